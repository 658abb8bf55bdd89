//! action.yml and .github/workflows/* must pass action-validator (the schema GitHub
//! uses for actions and workflows). The validator comes from npm
//! (@action-validator/cli); this test installs it into .tools/ when it is missing, so
//! `cargo test` alone is enough. Also checks the action's interface and that the README
//! shows the example workflow as it is in the repository.

use guardrails::template::node::Node;
use guardrails::template::yaml;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "0.6.0";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> PathBuf {
    if let Ok(p) = std::env::var("GUARDRAILS_ACTION_VALIDATOR") {
        return PathBuf::from(p);
    }
    let tools = root().join(".tools");
    let bin = tools.join("node_modules/.bin/action-validator");
    if !bin.exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .arg(format!("@action-validator/cli@{VERSION}"))
            .arg(format!("@action-validator/core@{VERSION}"))
            .status()
            .expect("npm is needed to install action-validator");
        assert!(status.success(), "npm install @action-validator/cli failed");
    }
    assert!(
        bin.exists(),
        "action-validator not found at {}",
        bin.display()
    );
    bin
}

/// Exit status and output of action-validator on one file (it tells an action from a
/// workflow by the file name: action.yml / action.yaml are actions).
fn validate(file: &Path) -> (bool, String) {
    let o = Command::new(validator())
        .arg(file)
        .output()
        .expect("run action-validator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn load(path: &Path) -> Node {
    yaml::parse(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

fn keys(n: &Node) -> Vec<&str> {
    n.as_map().unwrap().iter().map(|e| e.key.as_str()).collect()
}

#[test]
fn action_and_workflows_pass_action_validator() {
    let mut files = vec![root().join("action.yml")];
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    workflows.sort();
    assert!(workflows.len() >= 2, "{workflows:?}");
    files.extend(workflows);
    for f in &files {
        let (ok, out) = validate(f);
        assert!(ok, "{} is invalid:\n{out}", f.display());
    }

    // The validator really rejects things: a composite step without `shell`, and a
    // workflow job with a misspelt key.
    let tmp = tempfile::tempdir().unwrap();
    let bad_action = tmp.path().join("action.yml");
    std::fs::write(
        &bad_action,
        "name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n",
    )
    .unwrap();
    let (ok, out) = validate(&bad_action);
    assert!(!ok, "an invalid action passed:\n{out}");
    assert!(out.contains("/runs/steps/0/shell"), "{out}");
    let bad_workflow = tmp.path().join("ci.yml");
    std::fs::write(
        &bad_workflow,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo\n",
    )
    .unwrap();
    let (ok, out) = validate(&bad_workflow);
    assert!(!ok, "an invalid workflow passed:\n{out}");
    assert!(out.contains("stepz"), "{out}");
}

#[test]
fn action_interface() {
    let a = load(&root().join("action.yml"));
    assert_eq!(
        a.get_path(&["runs", "using"]).unwrap().as_str(),
        Some("composite")
    );
    let inputs = a.get("inputs").unwrap();
    assert_eq!(
        keys(inputs),
        [
            "template",
            "source",
            "fail-on",
            "allowlist",
            "baseline",
            "sarif-file",
            "json-file",
            "comment",
            "github-token",
            "working-directory"
        ]
    );
    let default = |k: &str| inputs.get_path(&[k, "default"]).and_then(Node::as_str);
    assert_eq!(default("fail-on"), Some("HIGH"));
    assert_eq!(default("sarif-file"), Some("guardrails.sarif"));
    assert_eq!(default("json-file"), Some("scan.json"));
    assert_eq!(default("comment"), Some("true"));
    assert_eq!(default("github-token"), Some("${{ github.token }}"));
    assert_eq!(default("working-directory"), Some("."));

    let outputs = a.get("outputs").unwrap();
    let names = [
        "passed",
        "critical",
        "high",
        "medium",
        "low",
        "info",
        "total",
        "sarif-file",
        "json-file",
    ];
    assert_eq!(keys(outputs), names);
    for n in names {
        assert_eq!(
            outputs.get_path(&[n, "value"]).and_then(Node::as_str),
            Some(format!("${{{{ steps.scan.outputs.{n} }}}}").as_str()),
            "output {n}"
        );
    }

    let steps = a.get_path(&["runs", "steps"]).unwrap().as_seq().unwrap();
    let run: String = steps
        .iter()
        .filter_map(|s| s.get("run").and_then(Node::as_str))
        .collect();
    assert!(run.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    assert!(run.contains("--output \"sarif=$sarif\" --output \"json=$json\""));
    assert!(run.contains("if [ -n \"$GR_BASELINE\" ]; then args+=(--baseline"));
    assert!(run.contains("guardrails comment --report \"$json\""));
    assert!(run.contains("exit \"$code\""));
    // Inputs reach the script through env, never spliced into its text.
    assert!(!run.contains("${{"), "expression inside a run script");
}

#[test]
fn example_workflow_is_in_the_readme_and_uploads_sarif() {
    let path = root().join(".github/workflows/guardrails-example.yml");
    let wf = load(&path);
    let perms = wf.get("permissions").unwrap();
    for (k, v) in [
        ("contents", "read"),
        ("security-events", "write"),
        ("pull-requests", "write"),
    ] {
        assert_eq!(perms.get(k).and_then(Node::as_str), Some(v), "{k}");
    }
    assert!(wf.get_path(&["on", "pull_request"]).is_some());
    assert!(wf.get_path(&["on", "push"]).is_some());
    let steps = wf
        .get_path(&["jobs", "guardrails", "steps"])
        .unwrap()
        .as_seq()
        .unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s.get("uses").and_then(Node::as_str) == Some("./"))
    );
    let upload = steps
        .iter()
        .find(|s| {
            s.get("uses")
                .and_then(Node::as_str)
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@v3"))
        })
        .expect("upload-sarif step");
    assert_eq!(upload.get("if").and_then(Node::as_str), Some("always()"));
    assert_eq!(
        upload
            .get_path(&["with", "category"])
            .and_then(Node::as_str),
        Some("guardrails")
    );
    assert!(upload.get_path(&["with", "sarif_file"]).is_some());

    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let example = std::fs::read_to_string(&path).unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{example}```")),
        "README's GitHub Actions section must show .github/workflows/guardrails-example.yml verbatim"
    );
}
