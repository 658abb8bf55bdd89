//! docs/rules.md and the README rule table are generated from the registry.
//! Regenerate with `GUARDRAILS_UPDATE_DOCS=1 cargo test --test docs`.

use guardrails::cli::{RulesFormat, render_rules};
use std::path::Path;

fn readme_table() -> String {
    let md = render_rules(RulesFormat::Markdown);
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| Id"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    table.join("\n").replace("](#", "](docs/rules.md#")
}

#[test]
fn generated_docs_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("GUARDRAILS_UPDATE_DOCS").is_some();
    let rules_md = render_rules(RulesFormat::Markdown);
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let (head, rest) = readme
        .split_once("<!-- rules:start -->\n")
        .expect("README rules:start marker");
    let (_, tail) = rest
        .split_once("<!-- rules:end -->")
        .expect("README rules:end marker");
    let new_readme = format!(
        "{head}<!-- rules:start -->\n{}\n<!-- rules:end -->{tail}",
        readme_table()
    );
    if update {
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/rules.md"), &rules_md).unwrap();
        std::fs::write(root.join("README.md"), &new_readme).unwrap();
        return;
    }
    let current = std::fs::read_to_string(root.join("docs/rules.md")).unwrap_or_default();
    assert!(
        current == rules_md,
        "docs/rules.md is stale: GUARDRAILS_UPDATE_DOCS=1 cargo test --test docs"
    );
    assert!(
        readme == new_readme,
        "README rule table is stale: GUARDRAILS_UPDATE_DOCS=1 cargo test --test docs"
    );
}

#[test]
fn readme_documents_every_foreign_suppression_id() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table: Vec<&str> = readme
        .lines()
        .filter(|l| {
            [
                "| IAM", "| ENV", "| LMB", "| VPC", "| KMS", "| S3", "| DDB", "| API", "| LOG",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .collect();
    for (foreign, ours) in guardrails::suppress::FOREIGN_IDS {
        let row = table
            .iter()
            .find(|row| {
                row.split('|')
                    .nth(2)
                    .into_iter()
                    .chain(row.split('|').nth(3))
                    .any(|cell| cell.split(',').any(|c| c.trim() == *foreign))
            })
            .unwrap_or_else(|| panic!("README suppression table lacks {foreign}"));
        for o in *ours {
            assert!(
                row.contains(o),
                "README maps {foreign} to a row without {o}: {row}"
            );
        }
    }
}
