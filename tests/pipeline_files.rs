//! The pipeline surfaces are consistent with the binary and with each other:
//! buildspec.yml (CodeBuild), .pre-commit-hooks.yaml, Dockerfile and the README's usage
//! examples. No CodeBuild, pre-commit or Docker engine runs here (tests/precommit.sh runs
//! the hooks for real), so these check what can be checked statically, plus the file-list
//! mode the hooks rely on.

use guardrails::template::node::Node;
use guardrails::template::yaml;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn load_yaml(rel: &str) -> Node {
    yaml::parse(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e:?}"))
}

fn guardrails(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardrails"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run guardrails")
}

/// Every `--flag` that `guardrails scan --help` documents.
fn scan_flags() -> BTreeSet<String> {
    let o = guardrails(&root(), &["scan", "--help"]);
    assert!(o.status.success());
    String::from_utf8(o.stdout)
        .unwrap()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|t| t.starts_with("--") && t.len() > 2)
        .map(|t| t.split('=').next().unwrap().to_string())
        .collect()
}

/// `--flag` tokens of a shell command line (a `--flag=value` counts as `--flag`).
fn flags_in(cmd: &str) -> Vec<String> {
    cmd.split_whitespace()
        .filter(|t| t.starts_with("--") && t.len() > 2)
        .map(|t| t.split('=').next().unwrap().to_string())
        .collect()
}

fn strings(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// All commands of all phases (commands and finally), in order.
fn buildspec_commands(spec: &Node) -> Vec<String> {
    let phases = spec.get("phases").expect("phases");
    let mut out = Vec::new();
    for phase in ["install", "pre_build", "build", "post_build"] {
        if let Some(p) = phases.get(phase) {
            out.extend(strings(p.get("commands")));
            out.extend(strings(p.get("finally")));
        }
    }
    out
}

#[test]
fn buildspec_matches_the_cli() {
    let spec = load_yaml("buildspec.yml");
    assert_eq!(
        spec.get("version").and_then(Node::scalar_text).as_deref(),
        Some("0.2")
    );
    let commands = buildspec_commands(&spec);
    assert!(
        commands
            .iter()
            .any(|c| c.contains("cargo build --release --locked")),
        "the release build is locked"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.contains("bash .ci/run") || c.contains("cargo test")),
        "the tests run"
    );

    // One scan writes every format.
    let scans: Vec<&String> = commands
        .iter()
        .filter(|c| c.contains("guardrails scan"))
        .collect();
    assert_eq!(scans.len(), 1, "exactly one scan command: {scans:?}");
    let scan = scans[0];
    let tokens: Vec<&str> = scan.split_whitespace().collect();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut format = None;
    for w in tokens.windows(2) {
        match w[0] {
            "--format" | "-f" => format = Some(w[1].to_string()),
            "--out" | "-o" => outputs.push(("main".into(), w[1].to_string())),
            "--output" => {
                let (f, p) = w[1].split_once('=').expect("--output FORMAT=FILE");
                outputs.push((f.to_string(), p.to_string()));
            }
            _ => {}
        }
    }
    for o in outputs.iter_mut().filter(|o| o.0 == "main") {
        o.0 = format.clone().expect("--out comes with --format");
    }
    let by_format = |f: &str| -> String {
        outputs
            .iter()
            .find(|o| o.0 == f)
            .unwrap_or_else(|| panic!("the scan writes no {f}: {outputs:?}"))
            .1
            .clone()
    };
    assert_eq!(by_format("json"), "artifacts/scan.json");
    assert_eq!(by_format("sarif"), "artifacts/results.sarif");
    assert_eq!(by_format("markdown"), "artifacts/summary.md");
    let junit = by_format("junit");
    assert_eq!(junit, "artifacts/junit.xml");

    // Every flag the buildspec passes to `guardrails scan` exists, including the
    // GUARDRAILS_SCAN_ARGS default that the command expands.
    let known = scan_flags();
    assert!(known.contains("--output") && known.contains("--fail-on"));
    let scan_args = spec
        .get_path(&["env", "variables", "GUARDRAILS_SCAN_ARGS"])
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    for flag in flags_in(scan).into_iter().chain(flags_in(&scan_args)) {
        assert!(
            known.contains(&flag),
            "buildspec passes {flag}, which `guardrails scan --help` does not list ({known:?})"
        );
    }
    let fail_on = spec
        .get_path(&["env", "variables", "GUARDRAILS_FAIL_ON"])
        .and_then(Node::scalar_text)
        .unwrap();
    assert!(guardrails::model::Severity::parse(&fail_on).is_some());

    // The exit code is captured, not fatal, and the build fails with it afterwards.
    assert!(scan.contains("|| GUARDRAILS_EXIT=$?"), "{scan}");
    let finally = strings(spec.get_path(&["phases", "post_build", "finally"]));
    assert!(
        finally
            .iter()
            .any(|c| c.trim() == "exit \"$GUARDRAILS_EXIT\""),
        "post_build finally exits with the scan's code: {finally:?}"
    );

    // The JUnit report group reads exactly the file the scan writes.
    let reports = spec.get("reports").and_then(Node::as_map).expect("reports");
    let junit_groups: Vec<_> = reports
        .iter()
        .filter(|g| g.value.get("file-format").and_then(Node::as_str) == Some("JUNITXML"))
        .collect();
    assert_eq!(junit_groups.len(), 1, "one JUNITXML report group");
    let group = &junit_groups[0].value;
    let base = group
        .get("base-directory")
        .and_then(Node::as_str)
        .unwrap_or("");
    let files: Vec<String> = strings(group.get("files"))
        .into_iter()
        .map(|f| {
            if base.is_empty() {
                f
            } else {
                format!("{}/{f}", base.trim_end_matches('/'))
            }
        })
        .collect();
    assert_eq!(files, vec![junit.clone()]);

    // Artifacts keep everything the scan writes.
    let artifacts = strings(spec.get_path(&["artifacts", "files"]));
    for (_, path) in &outputs {
        assert!(
            artifacts.contains(path),
            "{path} is written but not kept: {artifacts:?}"
        );
    }
}

#[test]
fn precommit_hooks_use_the_file_list_mode() {
    let hooks = load_yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_seq().expect("a list of hooks");
    let get = |id: &str| {
        hooks
            .iter()
            .find(|h| h.get("id").and_then(Node::as_str) == Some(id))
            .unwrap_or_else(|| panic!("hook {id}"))
    };
    let known = scan_flags();
    let files_re = r"\.(ya?ml|json|template|py|js|mjs|cjs)$";
    for (id, language) in [("guardrails", "rust"), ("guardrails-system", "system")] {
        let h = get(id);
        assert_eq!(h.get("language").and_then(Node::as_str), Some(language));
        assert_eq!(
            h.get("entry").and_then(Node::as_str),
            Some("guardrails scan")
        );
        assert_eq!(h.get("files").and_then(Node::as_str), Some(files_re));
        assert!(h.get("pass_filenames").is_none_or(Node::is_truthy));
        for a in strings(h.get("args")) {
            if a.starts_with("--") {
                assert!(known.contains(&a), "{id} passes unknown flag {a}");
            }
        }
    }
    let re = regex::Regex::new(files_re).unwrap();
    for f in ["template.yaml", "a/b.yml", "t.json", "x.template", "app.py"] {
        assert!(re.is_match(f), "{f}");
    }
    for f in ["README.md", "app.pyc", "yaml", "Dockerfile"] {
        assert!(!re.is_match(f), "{f}");
    }
}

#[test]
fn scan_classifies_a_file_list() {
    let r = root();
    // A template and a Python file: both scanned, the code attributed to its function.
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("scan.json");
    let o = guardrails(
        &r,
        &[
            "scan",
            "--no-allowlist",
            "--format",
            "json",
            "--out",
            json.to_str().unwrap(),
            "testdata/templates/vulnerable-sam.yaml",
            "testdata/functions/vulnerable/app.py",
            "testdata/functions/vulnerable/requirements.txt",
            "README.md",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let files: BTreeSet<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        BTreeSet::from([
            "testdata/functions/vulnerable/app.py",
            "testdata/templates/vulnerable-sam.yaml"
        ])
    );
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"].as_str().unwrap().starts_with("CODE")
                && f["function"] == "OrdersApiFunction")
    );

    // YAML/JSON that is not CloudFormation, and other files: ignored. Nothing is left, so
    // nothing is scanned: no fallback to the working directory (which holds the
    // vulnerable samples).
    std::fs::write(tmp.path().join("config.yaml"), "name: x\nsteps: [a]\n").unwrap();
    std::fs::write(tmp.path().join("package.json"), "{\"name\": \"x\"}\n").unwrap();
    let cfg = tmp.path().join("config.yaml");
    let pkg = tmp.path().join("package.json");
    let o = guardrails(
        &r,
        &[
            "scan",
            "--no-allowlist",
            "--format",
            "json",
            cfg.to_str().unwrap(),
            pkg.to_str().unwrap(),
            "Cargo.toml",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["findings"].as_array().unwrap().len(), 0);
    assert_eq!(j["passed"], true);

    // A file that does not exist is an input error, not silently skipped.
    let o = guardrails(
        &r,
        &["scan", "--no-allowlist", "-q", "no/such/template.yaml"],
    );
    assert_eq!(o.status.code(), Some(3));
}

/// Dockerfile instructions as (INSTRUCTION, arguments), continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = read("Dockerfile");
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && cur.is_empty()) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
            continue;
        }
        cur.push_str(t);
        let (ins, args) = cur.split_once(char::is_whitespace).unwrap_or((&cur, ""));
        out.push((ins.to_ascii_uppercase(), args.trim().to_string()));
        cur.clear();
    }
    out
}

#[test]
fn dockerfile_is_consistent() {
    let ins = dockerfile();
    let all = |name: &str| -> Vec<&str> {
        ins.iter()
            .filter(|(i, _)| i == name)
            .map(|(_, a)| a.as_str())
            .collect()
    };
    let froms = all("FROM");
    assert_eq!(froms.len(), 2, "multi-stage: {froms:?}");
    let (builder_image, builder_name) = froms[0].split_once(" AS ").expect("named builder");
    assert!(builder_image.starts_with("rust:1"), "{builder_image}");
    assert!(
        froms[1].starts_with("gcr.io/distroless/cc-debian12")
            || froms[1].starts_with("debian:bookworm-slim"),
        "{}",
        froms[1]
    );

    // Stages: instructions after each FROM.
    let split = ins.iter().rposition(|(i, _)| i == "FROM").unwrap();
    let (build_stage, runtime) = ins.split_at(split);
    let last = |stage: &[(String, String)], name: &str| -> Option<String> {
        stage
            .iter()
            .rev()
            .find(|(i, _)| i == name)
            .map(|(_, a)| a.clone())
    };
    let build_dir = last(build_stage, "WORKDIR").expect("builder WORKDIR");
    assert!(
        build_stage
            .iter()
            .any(|(i, a)| i == "RUN" && a.contains("cargo build --release --locked")),
        "locked release build"
    );

    // The binary copied is the one cargo built.
    let copy = runtime
        .iter()
        .find(|(i, a)| i == "COPY" && a.starts_with("--from="))
        .map(|(_, a)| a.clone())
        .expect("COPY --from=builder");
    let parts: Vec<&str> = copy.split_whitespace().collect();
    assert_eq!(parts[0], format!("--from={builder_name}"));
    let built = format!(
        "{}/target/release/{}",
        build_dir.trim_end_matches('/'),
        env!("CARGO_PKG_NAME")
    );
    assert_eq!(parts[1], built);
    let installed = parts[2];

    // Entrypoint: the binary by name, on the image's PATH.
    let entry = last(runtime, "ENTRYPOINT").expect("ENTRYPOINT");
    let entry: Vec<String> = serde_json::from_str(&entry).expect("exec-form ENTRYPOINT");
    assert_eq!(entry, vec!["guardrails".to_string()]);
    let path_env = last(runtime, "ENV").unwrap_or_default();
    let bin_dir = Path::new(installed).parent().unwrap().to_str().unwrap();
    assert_eq!(
        Path::new(installed).file_name().unwrap(),
        "guardrails",
        "installed as guardrails"
    );
    assert!(
        path_env
            .trim_start_matches("PATH=")
            .split(':')
            .any(|d| d == bin_dir),
        "{bin_dir} on PATH ({path_env})"
    );
    let cmd: Vec<String> =
        serde_json::from_str(&last(runtime, "CMD").expect("CMD")).expect("exec-form CMD");
    assert_eq!(cmd, vec!["scan".to_string()]);
    let workdir = last(runtime, "WORKDIR").expect("runtime WORKDIR");
    assert_eq!(workdir, "/work");

    // Not root.
    let user = last(runtime, "USER").expect("USER");
    let uid = user.split(':').next().unwrap();
    assert!(
        !["root", "0", ""].contains(&uid),
        "runs as non-root: {user}"
    );

    // OCI labels, version from Cargo.toml.
    let labels = all("LABEL").join(" ");
    assert!(
        labels.contains(&format!(
            "org.opencontainers.image.version=\"{}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{labels}"
    );
    for key in ["title", "source", "licenses"] {
        assert!(labels.contains(&format!("org.opencontainers.image.{key}=")));
    }

    // The README's docker example: same image usage, mount on the WORKDIR, scan subcommand.
    let readme = read("README.md");
    let runs: Vec<&str> = readme
        .lines()
        .filter(|l| l.trim_start().starts_with("docker run "))
        .collect();
    assert!(!runs.is_empty(), "README has a docker run example");
    let known = scan_flags();
    for run in runs {
        assert!(
            run.contains(&format!(":{workdir}\"")) || run.contains(&format!(":{workdir} ")),
            "mounts the source tree on {workdir}: {run}"
        );
        let after_image = run
            .split_once(" guardrails ")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("image named guardrails, then arguments: {run}"));
        assert!(
            after_image.starts_with("scan"),
            "the entrypoint is guardrails, so arguments start with the subcommand: {run}"
        );
        for flag in flags_in(after_image) {
            assert!(known.contains(&flag), "README docker example uses {flag}");
        }
    }

    // .dockerignore keeps the build context small but keeps what the build needs.
    let ignore = read(".dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "target/"));
    for needed in ["src", "Cargo.toml", "Cargo.lock"] {
        assert!(
            !ignore
                .lines()
                .any(|l| l.trim().trim_end_matches('/') == needed),
            "{needed} must reach the build"
        );
    }
}
