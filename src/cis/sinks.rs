//! Where a `cis` run is delivered besides the local report: DynamoDB (`TABLE_NAME`),
//! S3 (`REPORT_BUCKET`) and EventBridge (`EVENT_BUS_NAME`). Every sink is independent:
//! one failing is recorded in `CisRun.sinks` and on stderr, the others still run, and the
//! local report is written regardless (the caller writes it after `deliver`).

use crate::cis::model::{CisRun, SinkResult, Status};
use crate::model::Severity;
use aws_config::SdkConfig;
use std::collections::HashMap;
use std::time::Duration;

/// Exit code when a configured sink failed and no control failed (a failing control
/// still exits 2: the gate outranks delivery). Documented in README "Sinks".
pub const EXIT_SINK: u8 = 5;

/// DynamoDB's BatchWriteItem limit.
const BATCH: usize = 25;
/// BatchWriteItem rounds for unprocessed items before giving up.
const BATCH_ROUNDS: u32 = 6;
/// Lifetime of the logged presigned report URL.
const PRESIGN: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkConfig {
    pub table: Option<String>,
    pub bucket: Option<String>,
    pub bus: Option<String>,
    pub source: String,
    pub detail_type: String,
}

impl SinkConfig {
    /// `TABLE_NAME`, `REPORT_BUCKET`, `EVENT_BUS_NAME`, `EVENT_SOURCE` (default
    /// `guardrails.cis`), `EVENT_DETAIL_TYPE` (default `CIS Compliance Alert`). Empty
    /// values count as unset.
    pub fn from_env() -> SinkConfig {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> SinkConfig {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        SinkConfig {
            table: var("TABLE_NAME"),
            bucket: var("REPORT_BUCKET"),
            bus: var("EVENT_BUS_NAME"),
            source: var("EVENT_SOURCE").unwrap_or_else(|| "guardrails.cis".into()),
            detail_type: var("EVENT_DETAIL_TYPE").unwrap_or_else(|| "CIS Compliance Alert".into()),
        }
    }

    pub fn any(&self) -> bool {
        self.table.is_some() || self.bucket.is_some() || self.bus.is_some()
    }
}

/// The rendered reports uploaded to `REPORT_BUCKET`: (file name, content type, body).
pub struct Artifacts {
    pub files: Vec<(String, String, String)>,
}

/// Runs every configured sink, appends one `SinkResult` each to `run.sinks` and prints
/// one line per sink on stderr. Never fails: failures are data.
pub async fn deliver(conf: &SdkConfig, run: &mut CisRun, cfg: &SinkConfig, artifacts: &Artifacts) {
    let mut results = Vec::new();
    if let Some(table) = &cfg.table {
        results.push(to_dynamodb(conf, run, table).await);
    }
    if let Some(bucket) = &cfg.bucket {
        results.push(to_s3(conf, run, bucket, artifacts).await);
    }
    if let Some(bus) = &cfg.bus {
        results.push(to_eventbridge(conf, run, bus, cfg).await);
    }
    for r in &results {
        match (&r.outcome[..], &r.error) {
            ("failed", Some(e)) => eprintln!(
                "guardrails: error: sink {} ({}) failed: {e}; the local report is unaffected",
                r.sink, r.target
            ),
            _ => eprintln!(
                "guardrails: sink {} ({}): {}{}",
                r.sink,
                r.target,
                r.outcome,
                r.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
        }
    }
    run.sinks.extend(results);
}

/// True when a configured sink failed (exit `EXIT_SINK` unless findings exit 2).
pub fn any_failed(run: &CisRun) -> bool {
    run.sinks.iter().any(|s| s.outcome == "failed")
}

fn result(sink: &str, target: &str, r: Result<String, String>) -> SinkResult {
    let (outcome, detail, error) = match r {
        Ok(d) => ("delivered", Some(d), None),
        Err(e) => ("failed", None, Some(e)),
    };
    SinkResult {
        sink: sink.into(),
        target: target.into(),
        outcome: outcome.into(),
        detail,
        error,
    }
}

/// Partition key of every item of this account.
pub fn pk(run: &CisRun) -> String {
    format!("account#{}", run.account)
}

/// Sort key of the run's summary item; control items extend it with `#control#<id>`.
pub fn run_sk(run: &CisRun) -> String {
    format!("run#{}", run.timestamp)
}

fn count(run: &CisRun, status: Status) -> usize {
    run.controls.iter().filter(|c| c.status == status).count()
}

/// The summary JSON stored on the run item and sent (trimmed) as the event detail.
pub fn summary(run: &CisRun) -> serde_json::Value {
    serde_json::json!({
        "account": run.account,
        "timestamp": run.timestamp,
        "regions": run.regions,
        "score": run.score,
        "threshold": run.threshold,
        "passed": count(run, Status::Pass),
        "failed": count(run, Status::Fail),
        "warn": count(run, Status::Warn),
        "remediation": run.remediation,
        "controls": run.controls.iter().map(|c| serde_json::json!({
            "id": c.id, "status": c.status, "severity": c.severity,
        })).collect::<Vec<_>>(),
    })
}

type Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// One item for the run and one per control, all under the account's partition key.
pub fn items(run: &CisRun) -> Vec<Item> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let s = |v: &str| A::S(v.to_string());
    let n = |v: String| A::N(v);
    let pk = pk(run);
    let sk = run_sk(run);
    let mut run_item: Item = HashMap::from([
        ("pk".into(), s(&pk)),
        ("sk".into(), s(&sk)),
        ("type".into(), s("run")),
        ("account".into(), s(&run.account)),
        ("timestamp".into(), s(&run.timestamp)),
        ("score".into(), n(run.score.to_string())),
        ("threshold".into(), n(run.threshold.to_string())),
        ("passed".into(), n(count(run, Status::Pass).to_string())),
        ("failed".into(), n(count(run, Status::Fail).to_string())),
        ("warn".into(), n(count(run, Status::Warn).to_string())),
        ("remediation".into(), s(&run.remediation)),
        ("summary".into(), s(&summary(run).to_string())),
    ]);
    if !run.regions.is_empty() {
        run_item.insert("regions".into(), A::Ss(run.regions.clone()));
    }
    let mut out = vec![run_item];
    for c in &run.controls {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(&pk)),
            ("sk".into(), s(&format!("{sk}#control#{}", c.id))),
            ("type".into(), s("control")),
            ("control".into(), s(&c.id)),
            ("timestamp".into(), s(&run.timestamp)),
            ("status".into(), s(status_str(c.status))),
            ("severity".into(), s(c.severity.as_str())),
            ("level".into(), n(c.level.to_string())),
            ("weight".into(), n(c.weight.to_string())),
            ("title".into(), s(&c.title)),
            (
                "evidence".into(),
                A::L(c.evidence.iter().map(|e| s(e)).collect()),
            ),
            (
                "actions".into(),
                s(&serde_json::to_string(&c.actions).unwrap_or_else(|_| "[]".into())),
            ),
        ]);
        if let Some(r) = &c.reason {
            item.insert("reason".into(), s(r));
        }
        out.push(item);
    }
    out
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
    }
}

async fn to_dynamodb(conf: &SdkConfig, run: &CisRun, table: &str) -> SinkResult {
    let r = put_items(conf, run, table).await;
    result("dynamodb", table, r)
}

async fn put_items(conf: &SdkConfig, run: &CisRun, table: &str) -> Result<String, String> {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    let client = aws_sdk_dynamodb::Client::new(conf);
    let all = items(run);
    let total = all.len();
    let mut requests = Vec::with_capacity(total);
    for item in all {
        let put = PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map_err(|e| e.to_string())?;
        requests.push(WriteRequest::builder().put_request(put).build());
    }
    for chunk in requests.chunks(BATCH) {
        let mut pending = chunk.to_vec();
        let mut round = 0;
        while !pending.is_empty() {
            if round == BATCH_ROUNDS {
                return Err(format!(
                    "BatchWriteItem: {} item(s) still unprocessed after {BATCH_ROUNDS} attempts",
                    pending.len()
                ));
            }
            if round > 0 {
                // Unprocessed items mean throttling: back off before resubmitting them.
                tokio::time::sleep(Duration::from_millis(100 << round)).await;
            }
            let out = client
                .batch_write_item()
                .request_items(table, pending)
                .send()
                .await
                .map_err(|e| format!("BatchWriteItem: {}", crate::aws::error_chain(&e)))?;
            pending = out
                .unprocessed_items
                .and_then(|mut m| m.remove(table))
                .unwrap_or_default();
            round += 1;
        }
    }
    Ok(format!(
        "{total} item(s) under pk={} sk={}*",
        pk(run),
        run_sk(run)
    ))
}

/// `minicspm/<account>/<timestamp>/`.
pub fn key_prefix(run: &CisRun) -> String {
    format!("minicspm/{}/{}/", run.account, run.timestamp)
}

async fn to_s3(conf: &SdkConfig, run: &CisRun, bucket: &str, artifacts: &Artifacts) -> SinkResult {
    let prefix = key_prefix(run);
    let r = upload(conf, bucket, &prefix, artifacts).await;
    result("s3", &format!("s3://{bucket}/{prefix}"), r)
}

async fn upload(
    conf: &SdkConfig,
    bucket: &str,
    prefix: &str,
    artifacts: &Artifacts,
) -> Result<String, String> {
    use aws_sdk_s3::presigning::PresigningConfig;
    use aws_sdk_s3::primitives::ByteStream;
    let client = crate::aws::s3(conf);
    let mut lines = Vec::new();
    for (name, content_type, body) in &artifacts.files {
        let key = format!("{prefix}{name}");
        client
            .put_object()
            .bucket(bucket)
            .key(&key)
            .content_type(content_type)
            .body(ByteStream::from(body.clone().into_bytes()))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "PutObject s3://{bucket}/{key}: {}",
                    crate::aws::error_chain(&e)
                )
            })?;
        let url = client
            .get_object()
            .bucket(bucket)
            .key(&key)
            .presigned(PresigningConfig::expires_in(PRESIGN).map_err(|e| e.to_string())?)
            .await
            .map_err(|e| {
                format!(
                    "presigning s3://{bucket}/{key}: {}",
                    crate::aws::error_chain(&e)
                )
            })?;
        eprintln!(
            "guardrails: report s3://{bucket}/{key} (presigned GET, valid 1 h): {}",
            url.uri()
        );
        lines.push(format!("s3://{bucket}/{key}"));
    }
    Ok(lines.join(", "))
}

/// Failing controls of severity HIGH or above: these always raise an event.
pub fn alerting_controls(run: &CisRun) -> Vec<&crate::cis::model::ControlResult> {
    run.controls
        .iter()
        .filter(|c| c.status == Status::Fail && c.severity >= Severity::High)
        .collect()
}

/// Why this run raises an event, or None when it does not.
pub fn alert_reason(run: &CisRun) -> Option<String> {
    let high = alerting_controls(run);
    let low_score = run.score < run.threshold;
    match (high.is_empty(), low_score) {
        (true, false) => None,
        (false, false) => Some(format!("{} HIGH/CRITICAL control(s) failing", high.len())),
        (true, true) => Some(format!(
            "score {} below threshold {}",
            run.score, run.threshold
        )),
        (false, true) => Some(format!(
            "{} HIGH/CRITICAL control(s) failing; score {} below threshold {}",
            high.len(),
            run.score,
            run.threshold
        )),
    }
}

/// The event detail: account, timestamp, score, threshold and every failing control.
pub fn event_detail(run: &CisRun, reason: &str) -> serde_json::Value {
    serde_json::json!({
        "account": run.account,
        "timestamp": run.timestamp,
        "score": run.score,
        "threshold": run.threshold,
        "reason": reason,
        "failing_controls": run.controls.iter().filter(|c| c.status == Status::Fail).map(|c| serde_json::json!({
            "id": c.id, "title": c.title, "severity": c.severity,
        })).collect::<Vec<_>>(),
    })
}

async fn to_eventbridge(conf: &SdkConfig, run: &CisRun, bus: &str, cfg: &SinkConfig) -> SinkResult {
    let Some(reason) = alert_reason(run) else {
        return SinkResult {
            sink: "eventbridge".into(),
            target: bus.into(),
            outcome: "skipped".into(),
            detail: Some(format!(
                "no HIGH/CRITICAL control failing and score {} ≥ threshold {}",
                run.score, run.threshold
            )),
            error: None,
        };
    };
    let r = put_event(conf, run, bus, cfg, &reason).await;
    result("eventbridge", bus, r)
}

async fn put_event(
    conf: &SdkConfig,
    run: &CisRun,
    bus: &str,
    cfg: &SinkConfig,
    reason: &str,
) -> Result<String, String> {
    use aws_sdk_eventbridge::types::PutEventsRequestEntry;
    let client = aws_sdk_eventbridge::Client::new(conf);
    let entry = PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(&cfg.source)
        .detail_type(&cfg.detail_type)
        .detail(event_detail(run, reason).to_string())
        .build();
    let out = client
        .put_events()
        .entries(entry)
        .send()
        .await
        .map_err(|e| format!("PutEvents: {}", crate::aws::error_chain(&e)))?;
    // PutEvents succeeds as a call even when the entry was rejected.
    if out.failed_entry_count() > 0 {
        let why = out
            .entries()
            .iter()
            .filter_map(|e| {
                e.error_code()
                    .map(|c| format!("{c}: {}", e.error_message().unwrap_or("")))
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(format!(
            "PutEvents: {} entry(ies) failed: {why}",
            out.failed_entry_count()
        ));
    }
    let id = out
        .entries()
        .first()
        .and_then(|e| e.event_id())
        .unwrap_or("?");
    Ok(format!("event {id} ({reason})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::model::ControlResult;
    use crate::model::Report;

    fn control(id: &str, status: Status, severity: Severity) -> ControlResult {
        ControlResult {
            id: id.into(),
            title: format!("title {id}"),
            status,
            severity,
            level: 1,
            weight: 3,
            evidence: vec!["read x".into()],
            reason: (status != Status::Pass).then(|| "because".into()),
            remediation: "fix".into(),
            actions: vec![],
        }
    }

    fn run(controls: Vec<ControlResult>, score: f64) -> CisRun {
        CisRun {
            account: "123456789012".into(),
            timestamp: "2026-11-25T01:02:03Z".into(),
            regions: vec!["us-east-1".into()],
            score,
            threshold: 80.0,
            controls,
            remediation: "off".into(),
            sinks: vec![],
            report: Report::new(vec![], vec![], Severity::High),
        }
    }

    #[test]
    fn env_defaults_and_empty_values() {
        let c = SinkConfig::from_lookup(|k| match k {
            "TABLE_NAME" => Some("t".into()),
            "REPORT_BUCKET" => Some("  ".into()),
            _ => None,
        });
        assert_eq!(c.table.as_deref(), Some("t"));
        assert_eq!(c.bucket, None);
        assert_eq!(c.source, "guardrails.cis");
        assert_eq!(c.detail_type, "CIS Compliance Alert");
        assert!(c.any());
        assert!(!SinkConfig::from_lookup(|_| None).any());
    }

    #[test]
    fn keys_and_items() {
        let r = run(
            vec![
                control("CIS-1.4", Status::Fail, Severity::Critical),
                control("CIS-1.8", Status::Pass, Severity::Medium),
            ],
            40.0,
        );
        let items = items(&r);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["sk"].as_s().unwrap(), "run#2026-11-25T01:02:03Z");
        assert_eq!(items[0]["pk"].as_s().unwrap(), "account#123456789012");
        assert_eq!(items[0]["failed"].as_n().unwrap(), "1");
        assert_eq!(
            items[1]["sk"].as_s().unwrap(),
            "run#2026-11-25T01:02:03Z#control#CIS-1.4"
        );
        assert_eq!(items[1]["status"].as_s().unwrap(), "FAIL");
        assert_eq!(items[1]["reason"].as_s().unwrap(), "because");
        assert!(!items[2].contains_key("reason"));
        assert_eq!(
            key_prefix(&r),
            "minicspm/123456789012/2026-11-25T01:02:03Z/"
        );
    }

    #[test]
    fn alert_only_for_high_failures_or_low_score() {
        let medium = run(
            vec![control("CIS-1.8", Status::Fail, Severity::Medium)],
            90.0,
        );
        assert_eq!(alert_reason(&medium), None);
        let low = run(
            vec![control("CIS-1.8", Status::Fail, Severity::Medium)],
            50.0,
        );
        assert!(alert_reason(&low).unwrap().contains("below threshold"));
        let high = run(
            vec![
                control("CIS-5.2", Status::Fail, Severity::High),
                control("CIS-1.8", Status::Fail, Severity::Medium),
                control("CIS-1.4", Status::Warn, Severity::Critical),
            ],
            85.0,
        );
        let reason = alert_reason(&high).unwrap();
        assert!(reason.starts_with("1 HIGH/CRITICAL"), "{reason}");
        let d = event_detail(&high, &reason);
        let ids: Vec<&str> = d["failing_controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["CIS-5.2", "CIS-1.8"]);
        assert_eq!(d["failing_controls"][0]["severity"], "HIGH");
        assert_eq!(d["threshold"], 80.0);
    }
}
