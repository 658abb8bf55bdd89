use super::*;

fn run(src: &str) -> CodeAnalysis {
    analyze_python(src, None)
}

/// Rule ids of the findings, in order.
fn ids(src: &str) -> Vec<&'static str> {
    run(src).findings.iter().map(|f| f.rule_id).collect()
}

fn handler(body: &str) -> String {
    let mut s = String::from(
        "import os\nimport subprocess\nimport json\nimport pickle\nimport yaml\nimport requests\nimport shlex\nimport re\n\nALLOWED = {'a', 'b'}\n\ndef lambda_handler(event, context):\n",
    );
    for line in body.lines() {
        s.push_str("    ");
        s.push_str(line);
        s.push('\n');
    }
    s
}

fn only(src: &str, rule: &str) -> Vec<CodeFinding> {
    run(src)
        .findings
        .into_iter()
        .filter(|f| f.rule_id == rule)
        .collect()
}

// -- CODE001 ------------------------------------------------------------------

#[test]
fn os_system_with_event_data() {
    let f = only(&handler("cmd = event['cmd']\nos.system(cmd)"), "CODE001");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line, 14);
    assert_eq!(f[0].column, 5);
    assert!(f[0].message.contains("event['cmd']"), "{}", f[0].message);
    assert!(f[0].message.contains("os.system"), "{}", f[0].message);
    assert_eq!(f[0].key, "lambda_handler|os.system|cmd");
}

#[test]
fn subprocess_shell_true_fstring() {
    let src = handler("host = event.get('host')\nsubprocess.run(f'ping -c 1 {host}', shell=True)");
    let f = only(&src, "CODE001");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("subprocess.run(shell=True)"));
    assert!(
        f[0].message.contains("event.get('host')"),
        "{}",
        f[0].message
    );
}

#[test]
fn subprocess_list_without_shell_is_safe() {
    let src = handler(
        "host = event['host']\nsubprocess.run(['ping', '-c', '1', host])\nsubprocess.run(host)",
    );
    assert!(only(&src, "CODE001").is_empty());
}

#[test]
fn sh_dash_c_list_is_a_shell() {
    let src = handler("subprocess.run(['/bin/sh', '-c', 'ls ' + event['dir']])");
    assert_eq!(only(&src, "CODE001").len(), 1);
}

#[test]
fn shlex_quote_and_int_sanitise() {
    let src = handler(
        "host = event['host']\nn = event['n']\nsubprocess.run('ping ' + shlex.quote(host), shell=True)\nos.system(f'sleep {int(n)}')",
    );
    assert!(only(&src, "CODE001").is_empty());
}

#[test]
fn allow_list_guard_sanitises() {
    let src =
        handler("tool = event['tool']\nif tool not in ALLOWED:\n    return 400\nos.system(tool)");
    assert!(only(&src, "CODE001").is_empty());
    let src = handler("tool = event['tool']\nif tool in ALLOWED:\n    os.system(tool)");
    assert!(only(&src, "CODE001").is_empty());
}

#[test]
fn guard_after_the_sink_does_not_count() {
    let src =
        handler("tool = event['tool']\nos.system(tool)\nif tool not in ALLOWED:\n    return 400");
    assert_eq!(only(&src, "CODE001").len(), 1);
}

#[test]
fn substring_check_is_not_an_allow_list() {
    let src =
        handler("tool = event['tool']\nif ';' not in tool and tool in 'abc':\n    os.system(tool)");
    assert_eq!(only(&src, "CODE001").len(), 1);
}

#[test]
fn validators_sanitise() {
    let src = handler(
        "name = event['name']\nif not name.isalnum():\n    return 400\nos.system('zip ' + name)\nd = event['d']\nif not re.fullmatch(r'[a-z]+', d):\n    return 400\nos.system('ls ' + d)",
    );
    assert!(only(&src, "CODE001").is_empty(), "{:?}", run(&src).findings);
}

#[test]
fn unconditional_reassignment_kills_taint() {
    let src = handler("n = event['n']\nn = int(n)\nos.system(f'sleep {n}')");
    assert!(only(&src, "CODE001").is_empty());
    let src = handler(
        "n = event['n']\ntry:\n    n = int(n)\nexcept ValueError:\n    return 400\nos.system(f'sleep {n}')",
    );
    assert!(only(&src, "CODE001").is_empty());
}

#[test]
fn conditional_reassignment_keeps_taint() {
    let src = handler("n = event['n']\nif n == '':\n    n = '1'\nos.system(f'sleep {n}')");
    assert_eq!(only(&src, "CODE001").len(), 1);
}

#[test]
fn taint_through_strings_methods_and_containers() {
    let src = handler(
        "body = json.loads(event['body'])\nparts = [body['a'].strip().lower(), 'x']\ncmd = ' '.join(parts)\ncmd += ' --force'\na, b = cmd, 'safe'\nos.popen('echo %s' % a)\nos.popen('echo {}'.format(b))\nos.popen(str(a))",
    );
    let f = only(&src, "CODE001");
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f[0].message.contains("event['body']"), "{}", f[0].message);
}

#[test]
fn event_parameter_named_differently() {
    let src = "import os\n\ndef handle(evt, ctx):\n    os.system(evt['q'])\n";
    let f = only(src, "CODE001");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("evt['q']"));
}

#[test]
fn named_handler_is_the_only_source() {
    let src = "import os\n\ndef process(payload, c):\n    os.system(payload['q'])\n\ndef lambda_handler(event, context):\n    os.system(event['q'])\n";
    let f = analyze_python(src, Some("process")).findings;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line, 4);
    // Unknown handler name: fall back to the conventions.
    let f = analyze_python(src, Some("app.missing")).findings;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line, 7);
    // Full `module.function` form is accepted too.
    assert_eq!(analyze_python(src, Some("app.process")).findings.len(), 1);
}

#[test]
fn non_handler_parameters_are_not_sources() {
    let src = "import os\n\ndef run_job(cmd):\n    os.system(cmd)\n";
    assert!(run(src).findings.is_empty());
}

#[test]
fn import_aliases_resolve() {
    let src = "import subprocess as sp\nfrom os import system\nfrom os import popen as po\n\ndef lambda_handler(event, context):\n    sp.call(event['a'], shell=True)\n    system(event['b'])\n    po(event['c'])\n";
    let f = only(src, "CODE001");
    assert_eq!(f.len(), 3, "{f:?}");
    assert!(f[0].message.contains("subprocess.call(shell=True)"));
    assert!(f[1].message.contains("os.system"));
    assert!(f[2].message.contains("os.popen"));
}

#[test]
fn helper_called_with_event_data() {
    let src = "import os\n\ndef run(cmd, verbose=False):\n    os.system('tool ' + cmd)\n\ndef clean(x):\n    return int(x)\n\ndef lambda_handler(event, context):\n    run(event['cmd'])\n    os.system('sleep %d' % clean(event['n']))\n";
    let f = only(src, "CODE001");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].line, 4);
    assert!(f[0].message.contains("event['cmd']"), "{}", f[0].message);
    assert!(f[0].key.starts_with("run|"));
}

#[test]
fn helper_returning_taint() {
    let src = "import os\n\ndef get_name(e):\n    return e['name']\n\ndef lambda_handler(event, context):\n    n = get_name(event)\n    os.system('echo ' + n)\n";
    assert_eq!(only(src, "CODE001").len(), 1);
}

// -- CODE002 ------------------------------------------------------------------

#[test]
fn eval_exec_compile() {
    let src = handler(
        "e = event['expr']\neval(e)\nexec('x = ' + e)\ncompile(e, 'f', 'exec')\neval('1 + 1')\nre.compile(e)",
    );
    let f = only(&src, "CODE002");
    assert_eq!(f.len(), 3, "{f:?}");
}

#[test]
fn eval_of_number_is_safe() {
    let src = handler("eval(str(int(event['n'])))\nexec(float(event['n']))");
    assert!(only(&src, "CODE002").is_empty());
}

// -- CODE003 ------------------------------------------------------------------

#[test]
fn pickle_and_yaml_with_event_data() {
    let src = handler("pickle.loads(event['body'])\nyaml.load(event['y'], Loader=yaml.FullLoader)");
    let f = only(&src, "CODE003");
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.severity.is_none()));
}

#[test]
fn yaml_load_without_loader_is_flagged_without_taint() {
    let src = "import yaml\n\nCONF = yaml.load(open('c.yml'))\n";
    let f = only(src, "CODE003");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Some(Severity::Medium));
}

#[test]
fn safe_yaml_and_untainted_pickle_are_fine() {
    let src = handler(
        "yaml.safe_load(event['y'])\nyaml.load(event['y'], Loader=yaml.SafeLoader)\nyaml.load(event['y'], Loader=yaml.CSafeLoader)\npickle.loads(open('/opt/model.pkl', 'rb').read())\njson.loads(event['body'])",
    );
    assert!(only(&src, "CODE003").is_empty());
}

// -- CODE004 ------------------------------------------------------------------

#[test]
fn sql_built_from_event() {
    let src = handler(
        "q = event['q']\ncur.execute(f\"SELECT * FROM t WHERE a = '{q}'\")\ncur.execute(\"SELECT * FROM t WHERE a = '%s'\" % q)\ncur.execute('SELECT * FROM t WHERE a = ' + q)\ncur.executemany('DELETE FROM t WHERE a = {}'.format(q), [])\nrds.execute_statement(resourceArn=ARN, sql='SELECT ' + q)",
    );
    assert_eq!(only(&src, "CODE004").len(), 5);
}

#[test]
fn parameterised_query_is_safe() {
    let src = handler(
        "q = event['q']\ncur.execute('SELECT * FROM t WHERE a = %s', (q,))\ncur.execute('SELECT * FROM t WHERE a = ?', [q])\nsql = 'SELECT * FROM t WHERE a = %(a)s'\ncur.execute(sql, {'a': q})\ncur.execute(f'SELECT * FROM t LIMIT {int(q)}')",
    );
    assert!(only(&src, "CODE004").is_empty(), "{:?}", run(&src).findings);
}

// -- CODE005 ------------------------------------------------------------------

#[test]
fn tls_verification_off() {
    let src = "import ssl\nimport requests as rq\nimport boto3\n\nrq.get('https://x', verify=False)\ns3 = boto3.client('s3', verify=False)\nctx = ssl._create_unverified_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\n";
    let f = only(src, "CODE005");
    assert_eq!(f.len(), 5, "{f:?}");
    assert_eq!(f[0].line, 5);
}

#[test]
fn tls_verification_on() {
    let src = "import ssl\nimport requests\nimport urllib3\nimport jwt\n\nurllib3.disable_warnings()\nrequests.get('https://x', verify='/ca.pem')\nrequests.get('https://x', verify=True)\nctx = ssl.create_default_context()\nctx.check_hostname = True\nfoo(verify=False)\n";
    assert!(only(src, "CODE005").is_empty());
}

// -- CODE006 ------------------------------------------------------------------

#[test]
fn ssrf_on_event_url() {
    let src = handler(
        "url = event['url']\nrequests.get(url)\nrequests.post(url=event['u2'])\nhost = event['h']\nrequests.get(f'https://{host}/x')\nrequests.get('https://' + host + '/x')\nrequests.get('https://api.example.com%s' % host)",
    );
    assert_eq!(only(&src, "CODE006").len(), 5, "{:?}", run(&src).findings);
}

#[test]
fn ssrf_fixed_host_is_fine() {
    let src = handler(
        "item = event['item']\nrequests.get(f'https://api.example.com/items/{item}')\nrequests.get('https://api.example.com/items/' + item)\nBASE = os.environ['BASE']\nrequests.get(f'{BASE}/items/{item}')\nurl = 'https://api.example.com/i/{}'.format(item)\nrequests.get(url)\nrequests.get('https://api.example.com/search', params={'q': item})\nrequests.get(f'https://{ALLOWED}/items/{int(item)}')",
    );
    assert!(only(&src, "CODE006").is_empty(), "{:?}", run(&src).findings);
}

#[test]
fn ssrf_allow_listed_url_is_fine() {
    let src = handler(
        "body = json.loads(event['body'])\nif body['url'] not in ALLOWED:\n    return 400\nrequests.get(body['url'])",
    );
    assert!(only(&src, "CODE006").is_empty(), "{:?}", run(&src).findings);
}

#[test]
fn urllib_and_http_client() {
    let src = "import urllib.request\nimport http.client\n\ndef lambda_handler(event, context):\n    urllib.request.urlopen(urllib.request.Request(event['u']))\n    http.client.HTTPSConnection(event['host'])\n";
    let f = only(src, "CODE006");
    assert_eq!(f.len(), 2, "{f:?}");
}

// -- ENV003 ---------------------------------------------------------------------

const AWS_KEY: &str = "AKIA2E0A8F3B244C9986";
const STRONG: &str = "h7#Kq9!vRt2@Lm4zX8";

#[test]
fn secrets_in_assignments_kwargs_dicts_and_comments() {
    let src = format!(
        "DB_PASSWORD = '{STRONG}'\nconn = connect(password='{STRONG}')\ncfg = {{'api_key': '{STRONG}'}}\n# old key: {AWS_KEY}\nclass C:\n    def __init__(self, token='{STRONG}'):\n        self.secret = '{STRONG}'\n"
    );
    let a = run(&src);
    let f: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule_id == "ENV003")
        .collect();
    assert_eq!(
        f.iter().map(|f| f.line).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 6, 7]
    );
    assert_eq!(f[0].severity, Some(Severity::High));
    assert_eq!(f[3].severity, None);
    for x in &a.findings {
        assert!(
            !x.message.contains(STRONG) && !x.message.contains(AWS_KEY),
            "{}",
            x.message
        );
        assert!(
            !x.key.contains(STRONG) && !x.key.contains(AWS_KEY),
            "{}",
            x.key
        );
    }
}

#[test]
fn secret_references_and_runtime_reads_are_fine() {
    let src = "import os\nDB_PASSWORD = os.environ['DB_PASSWORD']\nAPI_KEY = os.getenv('API_KEY', '')\nDB_PASSWORD_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x'\nSECRET_NAME = 'prod/db'\npassword = 'changeme'\nkey = 'AKIAIOSFODNN7EXAMPLE'\nTOKEN = f'{PREFIX}abcDEF123456'\n";
    assert!(only(src, "ENV003").is_empty(), "{:?}", run(src).findings);
}

#[test]
fn known_format_inside_named_literal_is_reported_once() {
    let src = format!("AWS_ACCESS_KEY_ID = '{AWS_KEY}'\n");
    let f = only(&src, "ENV003");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("AWS access key id"));
    assert!(f[0].message.contains("AWS_ACCESS_KEY_ID"));
}

#[test]
fn parse_error_still_reports_secrets() {
    let src = format!(
        "import os\n\ndef lambda_handler(event, context:\n    DB_PASSWORD = \"{STRONG}\"\n    return {{'k': '{AWS_KEY}'}}\n"
    );
    let a = run(&src);
    let (line, msg) = a.parse_error.clone().expect("parse error");
    assert!((1..=5).contains(&line), "{line}");
    assert!(msg.contains("column"), "{msg}");
    assert!(!msg.contains(STRONG));
    let f: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule_id == "ENV003")
        .collect();
    assert!(f.iter().any(|f| f.line == 4), "{f:?}");
    assert!(f.iter().any(|f| f.line == 5), "{f:?}");
    for x in &a.findings {
        assert!(!x.message.contains(STRONG) && !x.message.contains(AWS_KEY));
    }
}

#[test]
fn fallback_scan_finds_assignments_in_broken_lines() {
    let src = format!("def f(:\n  x = [\nPASSWORD = \"{STRONG}\" +\n");
    let a = run(&src);
    assert!(a.parse_error.is_some());
    let f = only(&src, "ENV003");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].line, 3);
    assert!(!f[0].message.contains(STRONG));
}

// -- General ----------------------------------------------------------------------

#[test]
fn clean_file_has_no_parse_error() {
    let a = run(&handler("return {'statusCode': 200}"));
    assert_eq!(a.parse_error, None);
    assert!(a.findings.is_empty());
}

#[test]
fn findings_sorted_and_unique() {
    let src = handler(
        "os.system(event['a']); eval(event['b'])\nos.system(event['a'])\nrequests.get('https://x', verify=False)",
    );
    let f = run(&src).findings;
    assert_eq!(ids(&src), vec!["CODE001", "CODE002", "CODE001", "CODE005"]);
    let mut sorted = f.clone();
    sorted.sort_by(|a, b| (a.line, a.column, a.rule_id).cmp(&(b.line, b.column, b.rule_id)));
    assert_eq!(f, sorted);
}

#[test]
fn keys_survive_line_shifts() {
    let a = run(&handler("os.system(event['a'])"));
    let b = run(&format!(
        "\n\n# comment\n{}",
        handler("x = 1\nos.system(event['a'])")
    ));
    assert_eq!(a.findings.len(), 1);
    assert_eq!(b.findings.len(), 1);
    assert_ne!(a.findings[0].line, b.findings[0].line);
    assert_eq!(a.findings[0].key, b.findings[0].key);
}

#[test]
fn columns_count_characters() {
    let src =
        "import os\ndef lambda_handler(event, context):\n    s = 'é'; os.system(event['x'])\n";
    let f = only(src, "CODE001");
    assert_eq!(f[0].column, 14);
}

#[test]
fn hostile_input_does_not_panic() {
    let deep = format!("x = {}1{}\n", "(".repeat(3000), ")".repeat(3000));
    let long_concat = format!(
        "import os\ndef lambda_handler(event, context):\n    os.system(event['a']{})\n",
        " + 'x'".repeat(3000)
    );
    let attrs = format!(
        "import os\ndef h(event, context):\n    os.{}system(event)\n",
        "a.".repeat(2000)
    );
    for src in [
        deep.as_str(),
        long_concat.as_str(),
        attrs.as_str(),
        "",
        "\u{feff}def",
        "def lambda_handler(:\n\t\x00\u{1F600}'''",
        "lambda_handler = 1\ndef lambda_handler(): pass\nlambda_handler()\n",
        "def lambda_handler(event, context):\n    a = b = c = event\n    (x, *y), z = a, b\n    for i, (j, k) in enumerate(c): pass\n    os.system(y)\n",
    ] {
        let _ = run(src);
    }
    assert_eq!(only(&long_concat, "CODE001").len(), 1);
}

#[test]
fn recursive_helpers_terminate() {
    let src = "import os\n\ndef a(x):\n    return b(x)\n\ndef b(x):\n    os.system(x)\n    return a(x)\n\ndef lambda_handler(event, context):\n    a(event['q'])\n";
    let f = only(src, "CODE001");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line, 7);
}

#[test]
fn origin_never_shows_call_defaults() {
    let src = handler("pw = event.get('password', 'Winter2024!xyz')\nos.system('login ' + pw)");
    let f = only(&src, "CODE001");
    assert_eq!(f.len(), 1);
    assert!(!f[0].message.contains("Winter"), "{}", f[0].message);
    assert!(
        f[0].message.contains("event.get('password', ...)"),
        "{}",
        f[0].message
    );
}

#[test]
fn partial_parse_keeps_handler_helpers_and_drops_the_rest() {
    let mut src = String::from("import os\nimport subprocess\n\n");
    for i in 0..30 {
        src.push_str(&format!(
            "def unrelated_{i}(a, b):\n    total = a + b\n    return total * {i}\n\n"
        ));
    }
    src.push_str("def build(name):\n    return 'zip ' + name\n\n");
    src.push_str("def run(cmd):\n    return subprocess.run(cmd, shell=True)\n\n");
    src.push_str("def lambda_handler(event, context):\n    return run(build(event['name']))\n");
    let ranges = super::relevant_ranges(&src, Some("lambda_handler")).expect("partial");
    let kept: usize = ranges.iter().map(|r| r.end_byte - r.start_byte).sum();
    assert!(kept * 3 < src.len(), "most of the file is skipped");
    let a = analyze_python(&src, Some("lambda_handler"));
    assert!(a.parse_error.is_none());
    assert!(
        a.findings.iter().any(|f| f.rule_id == "CODE001"),
        "{:?}",
        a.findings
    );
    // A syntax error in a block that is parsed falls back to the whole file and is reported
    // at its real line; one in a block that cannot reach a sink is not parsed at all.
    let broken = src.replace("shell=True)", "shell=True");
    let b = analyze_python(&broken, Some("lambda_handler"));
    assert!(b.parse_error.is_some());
    let elsewhere = format!("{src}\ndef oops(:\n    pass\n");
    let c = analyze_python(&elsewhere, Some("lambda_handler"));
    assert!(c.findings.iter().any(|f| f.rule_id == "CODE001"));
}
