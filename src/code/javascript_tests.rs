use super::*;

const PRELUDE: &str = "const cp = require('child_process');\nconst { exec, execSync, spawn } = require('child_process');\nconst vm = require('vm');\nconst fs = require('fs');\nconst path = require('path');\nconst axios = require('axios');\nconst https = require('https');\nconst ALLOWED = ['a', 'b'];\n";

/// A CommonJS handler around `body` (the body starts on line 10).
fn handler(body: &str) -> String {
    format!("{PRELUDE}\nexports.handler = async (event, context) => {{\n{body}\n}};\n")
}

fn only(src: &str, rule: &str) -> Vec<CodeFinding> {
    analyze_javascript(src, None)
        .findings
        .into_iter()
        .filter(|f| f.rule_id == rule)
        .collect()
}

fn fires(body: &str, rule: &str) -> bool {
    !only(&handler(body), rule).is_empty()
}

// -- handler forms ----------------------------------------------------------------

#[test]
fn handler_forms() {
    let sink = "exec(`ls ${event.dir}`);";
    for src in [
        format!(
            "const {{ exec }} = require('child_process');\nexports.handler = async (event, context) => {{ {sink} }};"
        ),
        format!(
            "const {{ exec }} = require('child_process');\nmodule.exports.handler = function(event) {{ {sink} }};"
        ),
        format!(
            "import {{ exec }} from 'child_process';\nexport const handler = async (event) => {{ {sink} }};"
        ),
        format!(
            "import {{ exec }} from 'node:child_process';\nexport async function handler(event) {{ {sink} }}"
        ),
        format!(
            "const {{ exec }} = require('child_process');\nasync function main(event) {{ {sink} }}\nmodule.exports = {{ handler: main }};"
        ),
    ] {
        let f = only(&src, "CODE001");
        assert_eq!(f.len(), 1, "{src}");
        assert_eq!(f[0].line, 2, "{src}");
        assert!(f[0].message.contains("event.dir"), "{}", f[0].message);
    }
}

#[test]
fn named_handler_is_the_only_source() {
    let src = "const { exec } = require('child_process');\nexports.other = async (event, context) => { exec(event.a); };\nexports.run = async (req) => { exec(req.b); };\n";
    let f = only(src, "CODE001");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("event.a"));
    let f: Vec<_> = analyze_javascript(src, Some("run"))
        .findings
        .into_iter()
        .filter(|f| f.rule_id == "CODE001")
        .collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("req.b"), "{}", f[0].message);
}

#[test]
fn no_handler_no_taint() {
    let src = "const { exec } = require('child_process');\nfunction helper(x) { exec(x); }\n";
    assert!(only(src, "CODE001").is_empty());
}

// -- CODE001 ------------------------------------------------------------------------

#[test]
fn exec_with_event_data() {
    let f = only(
        &handler("  const cmd = event.queryStringParameters.cmd;\n  exec(cmd);"),
        "CODE001",
    );
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].line, f[0].column), (12, 3));
    assert!(
        f[0].message.contains("event.queryStringParameters.cmd"),
        "{}",
        f[0].message
    );
}

#[test]
fn taint_through_json_parse_destructuring_and_strings() {
    assert!(fires(
        "  const { host } = JSON.parse(event.body);\n  cp.execSync('ping -c 1 ' + host);",
        "CODE001"
    ));
    assert!(fires(
        "  const body = JSON.parse(event['body']);\n  const c = `nslookup ${body.name}`;\n  execSync(c);",
        "CODE001"
    ));
    assert!(fires(
        "  let c = 'ls ';\n  c = c.concat(event.dir.trim());\n  exec(c);",
        "CODE001"
    ));
    assert!(fires(
        "  const { a: { b } } = event;\n  let c = 'x';\n  c += b;\n  exec(c);",
        "CODE001"
    ));
    assert!(fires(
        "  event.Records.forEach((r) => { exec(`echo ${r.body}`); });",
        "CODE001"
    ));
}

#[test]
fn spawn_with_shell() {
    assert!(fires("  spawn(event.cmd, [], { shell: true });", "CODE001"));
    assert!(fires("  spawn('sh', ['-c', event.cmd]);", "CODE001"));
    assert!(!fires(
        "  spawn('ping', ['-c', '1', event.host]);",
        "CODE001"
    ));
}

#[test]
fn promisified_and_imported_aliases() {
    let src = "import cp from 'node:child_process';\nimport util from 'util';\nconst run = util.promisify(cp.exec);\nexport const handler = async (event) => { await run(event.cmd); };\n";
    assert_eq!(only(src, "CODE001").len(), 1);
}

#[test]
fn sanitisers_and_allow_lists_stop_taint() {
    assert!(!fires(
        "  const n = parseInt(event.n, 10);\n  exec(`head -n ${n} f`);",
        "CODE001"
    ));
    assert!(!fires(
        "  const n = Number(event.n);\n  exec('head -n ' + n);",
        "CODE001"
    ));
    assert!(!fires(
        "  const t = event.tool;\n  if (!ALLOWED.includes(t)) { return { statusCode: 400 }; }\n  exec(`run ${t}`);",
        "CODE001"
    ));
    assert!(!fires(
        "  const t = event.tool;\n  if (!/^[a-z]+$/.test(t)) throw new Error('bad');\n  exec(`run ${t}`);",
        "CODE001"
    ));
    // encodeURIComponent is for URLs only.
    assert!(fires(
        "  exec('echo ' + encodeURIComponent(event.x));",
        "CODE001"
    ));
}

#[test]
fn reassignment_kills_taint() {
    assert!(!fires(
        "  let c = event.c;\n  c = 'ls';\n  exec(c);",
        "CODE001"
    ));
    assert!(fires(
        "  let c = 'ls';\n  if (event.x) { c = event.c; }\n  exec(c);",
        "CODE001"
    ));
}

#[test]
fn helper_function_one_level() {
    let src = format!(
        "{PRELUDE}function run(x) {{ return exec('echo ' + x); }}\nfunction clean(x) {{ return 'fixed'; }}\nexports.handler = async (event) => {{ run(event.a); exec(clean(event.b)); }};\n"
    );
    let f = only(&src, "CODE001");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line, 9);
}

// -- CODE002 ------------------------------------------------------------------------

#[test]
fn dynamic_code_sinks() {
    assert!(fires("  eval(event.expr);", "CODE002"));
    assert!(fires(
        "  const f = new Function('a', event.body);",
        "CODE002"
    ));
    assert!(fires("  vm.runInNewContext(event.code, {});", "CODE002"));
    assert!(fires(
        "  vm.runInThisContext(`(${event.code})`);",
        "CODE002"
    ));
    assert!(fires("  setTimeout('go(' + event.x + ')', 10);", "CODE002"));
    assert!(!fires("  setTimeout(() => go(event.x), 10);", "CODE002"));
    assert!(!fires("  eval('1 + 1');", "CODE002"));
}

// -- CODE004 ------------------------------------------------------------------------

#[test]
fn sql_built_from_event() {
    assert!(fires(
        "  const id = event.pathParameters.id;\n  await pool.query(`SELECT * FROM t WHERE id = '${id}'`);",
        "CODE004"
    ));
    assert!(fires(
        "  const sql = 'SELECT * FROM t WHERE n = ' + event.n;\n  await conn.execute(sql);",
        "CODE004"
    ));
    assert!(fires(
        "  await client.query({ text: `DELETE FROM t WHERE id = ${event.id}` });",
        "CODE004"
    ));
}

#[test]
fn parameterised_sql_is_safe() {
    assert!(!fires(
        "  await pool.query('SELECT * FROM t WHERE id = $1', [event.id]);",
        "CODE004"
    ));
    assert!(!fires(
        "  await conn.execute('SELECT * FROM t WHERE id = ?', [event.id]);",
        "CODE004"
    ));
    assert!(!fires(
        "  await client.query({ text: 'SELECT 1 WHERE a = $1', values: [event.a] });",
        "CODE004"
    ));
    // DynamoDB parameters are not SQL.
    assert!(!fires(
        "  const params = { TableName: 'T', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': event.pk } };\n  await ddb.query(params).promise();",
        "CODE004"
    ));
}

// -- CODE005 ------------------------------------------------------------------------

#[test]
fn tls_verification_off() {
    let src = "const https = require('https');\nconst agent = new https.Agent({ rejectUnauthorized: false });\nprocess.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';\naxios.get(u, { httpsAgent: new https.Agent({ rejectUnauthorized: false }) });\n";
    let f = only(src, "CODE005");
    assert_eq!(f.len(), 3, "{f:#?}");
    assert_eq!(f[0].line, 2);
    assert_eq!(f[1].line, 3);
    let ok = "const agent = new https.Agent({ rejectUnauthorized: true, ca });\nprocess.env.NODE_TLS_REJECT_UNAUTHORIZED = '1';\n";
    assert!(only(ok, "CODE005").is_empty());
}

// -- CODE006 ------------------------------------------------------------------------

#[test]
fn ssrf_sinks() {
    assert!(fires("  await fetch(event.url);", "CODE006"));
    assert!(fires(
        "  const body = JSON.parse(event.body);\n  await axios.get(body.target);",
        "CODE006"
    ));
    assert!(fires(
        "  await axios({ url: event.url, method: 'get' });",
        "CODE006"
    ));
    assert!(fires(
        "  https.get(`https://${event.host}/status`, (res) => {});",
        "CODE006"
    ));
    assert!(fires(
        "  https.request({ hostname: event.host, path: '/' });",
        "CODE006"
    ));
    let nf = "import fetch from 'node-fetch';\nimport got from 'got';\nexport const handler = async (event) => { await fetch(event.u); await got(event.v); };\n";
    assert_eq!(only(nf, "CODE006").len(), 2);
}

#[test]
fn ssrf_fixed_host_is_safe() {
    assert!(!fires(
        "  await fetch(`https://api.example.com/items/${encodeURIComponent(event.id)}`);",
        "CODE006"
    ));
    assert!(!fires(
        "  await axios.get('https://api.example.com/items/' + event.id);",
        "CODE006"
    ));
    assert!(!fires(
        "  await fetch(`${process.env.API_BASE}/items/${event.id}`);",
        "CODE006"
    ));
    assert!(!fires(
        "  await fetch(new URL(event.path, 'https://api.example.com'));",
        "CODE006"
    ));
    assert!(!fires(
        "  if (!ALLOWED.includes(event.url)) return;\n  await fetch(event.url);",
        "CODE006"
    ));
    assert!(!fires(
        "  await fetch(encodeURIComponent(event.url));",
        "CODE006"
    ));
}

// -- CODE007 / CODE008 -------------------------------------------------------------

#[test]
fn path_traversal_js() {
    assert!(fires(
        "  const data = fs.readFileSync(path.join('/tmp', event.file));",
        "CODE007"
    ));
    assert!(fires("  fs.createReadStream(event.name);", "CODE007"));
    assert!(!fires(
        "  fs.readFileSync(path.join('/tmp', path.basename(event.file)));",
        "CODE007"
    ));
    assert!(!fires(
        "  const p = path.resolve('/data', event.file);\n  if (!p.startsWith('/data/')) return;\n  fs.readFileSync(p);",
        "CODE007"
    ));
    // basename makes a path safe, not a shell command.
    assert!(fires("  exec('cat ' + path.basename(event.f));", "CODE001"));
}

#[test]
fn sensitive_logging_js() {
    let f = only(&handler("  console.log(event);"), "CODE008");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Some(Severity::Low));
    assert!(fires(
        "  console.log('got', JSON.stringify(event));",
        "CODE008"
    ));
    let f = only(
        &handler("  const apiToken = await getToken();\n  console.info(`token ${apiToken}`);"),
        "CODE008",
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Some(Severity::Medium));
    assert!(!fires(
        "  console.log(event.requestContext.requestId);",
        "CODE008"
    ));
}

// -- ENV003 -------------------------------------------------------------------------

#[test]
fn hardcoded_secrets() {
    let src = "const AWS_KEY = 'AKIA2E0A8F3B244C9986';\nconst dbPassword = 'S3cure!Passw0rd2024';\nconst cfg = { apiToken: \"9f8e7d6c5b4a39281706f5e4d3c2b1a0\", region: 'eu-west-1' };\nconst tokenUrl = 'https://auth.example.com/token';\n";
    let f = only(src, "ENV003");
    assert_eq!(f.len(), 3, "{f:#?}");
    assert_eq!(f[0].name.as_deref(), Some("AWS_KEY"));
    assert_eq!(f[1].name.as_deref(), Some("dbPassword"));
    assert_eq!(f[2].name.as_deref(), Some("apiToken"));
    for x in &f {
        assert!(!x.message.contains("S3cure!Passw0rd2024"), "{}", x.message);
        assert!(!x.message.contains("244C9986"), "{}", x.message);
    }
}

// -- robustness ---------------------------------------------------------------------

#[test]
fn never_panics_on_odd_input() {
    for src in [
        "",
        "exports.handler = async (",
        "export default async function (event) { eval(event.x) }",
        "module.exports = 5; exports.handler = 1;",
        "exports.handler = async ({ body }) => { eval(body); };",
        "exports.handler = (e) => e.x.y.z;",
    ] {
        let _ = analyze_javascript(src, Some("index.handler"));
    }
    let deep = format!(
        "exports.handler = async (event) => {{ eval({}event.x{}); }};",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let _ = analyze_javascript(&deep, None);
    let chain = format!(
        "exports.handler = async (event) => {{ exec('a'{}); }};",
        " + event.x".repeat(5000)
    );
    let _ = analyze_javascript(&chain, None);
    let nested = format!(
        "exports.handler = async (event) => {{ {} eval(event.x); {} }};",
        "if (a) {".repeat(2000),
        "}".repeat(2000)
    );
    let _ = analyze_javascript(&nested, None);
}

#[test]
fn syntax_error_is_reported_and_secrets_still_found() {
    let a = analyze_javascript("const password = 'Xk9#mP2vL8qR4tZ7';\nfunction (\n", None);
    assert!(a.parse_error.is_some());
    assert!(a.findings.iter().any(|f| f.rule_id == "ENV003"));
}

#[test]
fn unsafe_deserialisation_js() {
    let src = "const serialize = require('node-serialize');\nconst yaml = require('js-yaml');\nexports.handler = async (event) => {\n  serialize.unserialize(event.body);\n  yaml.load(event.y, { schema: yaml.DEFAULT_FULL_SCHEMA });\n  yaml.load(event.z);\n};\n";
    let f = only(src, "CODE003");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!((f[0].line, f[1].line), (4, 5));
}
