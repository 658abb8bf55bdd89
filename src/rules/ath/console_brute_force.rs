//! ## What it does
//! Reports bursts of failed console sign-ins. A failure is a `ConsoleLogin` event with
//! `responseElements.ConsoleLogin` = `Failure` (these carry `errorMessage`, e.g. `Failed
//! authentication`) or `errorCode` set. Failures are counted per user (`recipientAccountId`
//! plus `userIdentity.userName`, else `userIdentity.arn`; CloudTrail logs unknown user names
//! as `HIDDEN_DUE_TO_SECURITY_REASONS`, which counts as one user) and per `sourceIPAddress`.
//! A burst opens when `brute_force_threshold` (default 5) failures for one user or one IP
//! fall within `brute_force_window_secs` (default 300); every further failure for that key
//! less than the window after the burst's latest one joins it. One finding per burst, with
//! every event id (up to 1,000 per burst), emitted when the burst ends: no failure for the
//! window, a successful sign-in, or the end of the input. When a per-user and a per-IP burst
//! hold the same events only one is reported. Failures without a parseable `eventTime` are
//! not counted.
//!
//! Bounded state: at most 10,000 users and 10,000 source IPs are tracked, each with at most
//! `brute_force_threshold` recent failures; past the cap, keys idle for longer than the
//! window are dropped, then all partial counts.
//!
//! ## Why is this bad?
//! Repeated failed passwords for one user, or for many users from one address, are password
//! guessing or credential stuffing; a success right after means it probably worked.
//!
//! ## Severity
//! HIGH when a successful `ConsoleLogin` (`responseElements.ConsoleLogin` = `Success`) from
//! one of the burst's source IPs follows within the window of the last failure (the success
//! event id is included); MEDIUM otherwise.
//!
//! ## Example
//! Five of these within five minutes:
//! ```json
//! {"eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser", "userName": "bob"},
//!  "sourceIPAddress": "203.0.113.50", "errorMessage": "Failed authentication",
//!  "responseElements": {"ConsoleLogin": "Failure"}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser", "userName": "bob"},
//!  "sourceIPAddress": "198.51.100.20", "responseElements": {"ConsoleLogin": "Success"},
//!  "additionalEventData": {"MFAUsed": "Yes"}}
//! ```
//!
//! ## References
//! - [CloudTrail ConsoleLogin events](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html)
//! - [MITRE ATT&CK T1110 Brute Force](https://attack.mitre.org/techniques/T1110/)

use crate::hunt::detect::{Detector, Event, EventSummary, HuntContext, Interest, finding_for};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};
use std::collections::{HashMap, HashSet, VecDeque};

pub static RULE: Rule = Rule {
    id: "ATH004",
    name: "console-brute-force",
    title: "Console sign-in brute force",
    family: "ATH",
    severity: Severity::Medium,
    remediation: "Check whether the targeted users signed in afterwards; reset their passwords and sessions if so, enforce MFA, and block the source addresses.",
    source: include_str!("console_brute_force.rs"),
    check: Check::Hunt,
};

const MAX_KEYS: usize = 10_000;
const MAX_BURST_EVENTS: usize = 1_000;
/// Recently reported bursts remembered to drop a duplicate per-user/per-IP report.
const REPORTED: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    User,
    Ip,
}

struct Burst {
    events: Vec<EventSummary>,
    count: usize,
    last: i64,
    ips: HashSet<String>,
    success: Option<EventSummary>,
}

#[derive(Default)]
struct Track {
    recent: VecDeque<(i64, EventSummary)>,
    last: i64,
    burst: Option<Burst>,
}

#[derive(Default)]
struct BruteForce {
    users: HashMap<String, Track>,
    ips: HashMap<String, Track>,
    /// Keys with an open burst.
    open: Vec<(Kind, String)>,
    reported: VecDeque<HashSet<(String, usize)>>,
}

pub fn detector() -> Box<dyn Detector> {
    Box::<BruteForce>::default()
}

impl BruteForce {
    fn map(&mut self, k: Kind) -> &mut HashMap<String, Track> {
        match k {
            Kind::User => &mut self.users,
            Kind::Ip => &mut self.ips,
        }
    }

    fn add_failure(&mut self, kind: Kind, key: &str, ts: i64, s: &EventSummary, ctx: &HuntContext) {
        let window = ctx.brute_force_window_secs;
        let threshold = ctx.brute_force_threshold.max(1);
        let map = self.map(kind);
        if !map.contains_key(key) && map.len() >= MAX_KEYS {
            map.retain(|_, t| t.burst.is_some() || (ts - t.last).abs() <= window);
            if map.len() >= MAX_KEYS {
                map.retain(|_, t| t.burst.is_some());
            }
        }
        let t = map.entry(key.to_string()).or_default();
        t.last = t.last.max(ts);
        if let Some(b) = t.burst.as_mut() {
            b.count += 1;
            b.last = b.last.max(ts);
            if let Some(ip) = &s.source_ip {
                b.ips.insert(ip.clone());
            }
            if b.events.len() < MAX_BURST_EVENTS {
                b.events.push(s.clone());
            }
            return;
        }
        t.recent.push_back((ts, s.clone()));
        t.recent.retain(|(x, _)| (ts - x).abs() <= window);
        while t.recent.len() > threshold {
            t.recent.pop_front();
        }
        if t.recent.len() >= threshold {
            let events: Vec<EventSummary> = t.recent.drain(..).map(|(_, s)| s).collect();
            let ips = events.iter().filter_map(|e| e.source_ip.clone()).collect();
            t.burst = Some(Burst {
                count: events.len(),
                events,
                last: ts,
                ips,
                success: None,
            });
            self.open.push((kind, key.to_string()));
        }
    }

    /// Closes the open bursts `pred` selects and reports them.
    fn close(
        &mut self,
        ctx: &HuntContext,
        out: &mut Vec<Finding>,
        mut pred: impl FnMut(&mut Burst) -> bool,
    ) {
        let mut closed = Vec::new();
        let open = std::mem::take(&mut self.open);
        for (kind, key) in open {
            let Some(t) = self.map(kind).get_mut(&key) else {
                continue;
            };
            let hit = match t.burst.as_mut() {
                Some(b) => pred(b),
                None => continue,
            };
            if hit {
                closed.push((kind, key, t.burst.take().unwrap()));
            } else {
                self.open.push((kind, key));
            }
        }
        closed.sort_by_key(|(_, _, b)| (b.success.is_none(), std::cmp::Reverse(b.count)));
        for (kind, key, b) in closed {
            self.report(kind, &key, b, ctx, out);
        }
    }

    fn report(
        &mut self,
        kind: Kind,
        key: &str,
        b: Burst,
        ctx: &HuntContext,
        out: &mut Vec<Finding>,
    ) {
        let ids: HashSet<(String, usize)> =
            b.events.iter().map(|e| (e.file.clone(), e.line)).collect();
        if self.reported.iter().any(|r| ids.is_subset(r)) {
            return;
        }
        if self.reported.len() == REPORTED {
            self.reported.pop_front();
        }
        self.reported.push_back(ids);
        let mut events = b.events;
        let mut ips: Vec<&String> = b.ips.iter().collect();
        ips.sort();
        let ips = ips
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let window = ctx.brute_force_window_secs;
        let mut desc = match kind {
            Kind::User => format!(
                "{} failed console logins for {key} (gaps under {window}s) from {ips}",
                b.count
            ),
            Kind::Ip => {
                let mut users: Vec<&str> = events
                    .iter()
                    .filter_map(|e| e.principal.as_deref())
                    .collect();
                users.sort_unstable();
                users.dedup();
                format!(
                    "{} failed console logins from {key} (gaps under {window}s) for {}",
                    b.count,
                    users.join(", ")
                )
            }
        };
        if b.count > events.len() {
            desc.push_str(&format!(" (first {} event ids kept)", events.len()));
        }
        let severity = match b.success {
            Some(s) => {
                desc.push_str(&format!(
                    "; then a successful login from {}",
                    s.source_ip.as_deref().unwrap_or("?")
                ));
                events.push(s);
                Severity::High
            }
            None => Severity::Medium,
        };
        out.push(finding_for(&RULE, severity, key, desc, &events));
    }
}

impl Detector for BruteForce {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(&["ConsoleLogin"])
    }

    fn on_event(&mut self, e: &Event, ctx: &HuntContext, out: &mut Vec<Finding>) {
        if e.event_name() != Some("ConsoleLogin") {
            return;
        }
        let Some(ts) = e.timestamp().map(|t| t.as_second()) else {
            return;
        };
        let window = ctx.brute_force_window_secs;
        // Bursts idle for longer than the window are over.
        self.close(ctx, out, |b| ts - b.last > window);
        let ip = e.source_ip();
        if e.failed() {
            let s = e.summary();
            let user = e.user_name().or(e.principal()).unwrap_or("unknown user");
            let account = e.recipient_account_id().unwrap_or("?");
            self.add_failure(Kind::User, &format!("{account}/{user}"), ts, &s, ctx);
            if let Some(ip) = ip {
                self.add_failure(Kind::Ip, ip, ts, &s, ctx);
            }
        } else if e.str_at("responseElements.ConsoleLogin") == Some("Success")
            && let Some(ip) = ip
        {
            let s = e.summary();
            self.close(ctx, out, |b| {
                let hit = b.ips.contains(ip) && (ts - b.last).abs() <= window;
                if hit {
                    b.success = Some(s.clone());
                }
                hit
            });
        }
    }

    fn finish(&mut self, ctx: &HuntContext, out: &mut Vec<Finding>) {
        self.close(ctx, out, |_| true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    fn login(id: usize, min: u32, sec: u32, user: &str, ip: &str, ok: bool) -> String {
        let result = if ok { "Success" } else { "Failure" };
        let err = if ok {
            String::new()
        } else {
            r#","errorMessage":"Failed authentication""#.to_string()
        };
        format!(
            r#"{{"eventName":"ConsoleLogin","eventID":"{id}","eventTime":"2026-11-01T10:{min:02}:{sec:02}Z","recipientAccountId":"111122223333","sourceIPAddress":"{ip}","userIdentity":{{"type":"IAMUser","userName":"{user}"}},"responseElements":{{"ConsoleLogin":"{result}"}}{err}}}"#
        )
    }

    fn recs(v: Vec<String>) -> String {
        format!("[{}]", v.join(","))
    }

    #[test]
    fn one_finding_per_burst_high_when_a_success_follows() {
        let ctx = HuntContext::default();
        // bob: 6 failures from one IP then a success from it: one HIGH finding (the
        // identical per-IP burst is not reported twice).
        let mut v: Vec<String> = (0..6)
            .map(|i| login(i, 0, i as u32 * 10, "bob", "203.0.113.50", false))
            .collect();
        v.push(login(6, 1, 30, "bob", "203.0.113.50", true));
        let f = run(detector(), &recs(v), &ctx);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::High);
        let ids = &f[0].events.as_ref().unwrap().event_ids;
        assert_eq!(ids, &["0", "1", "2", "3", "4", "5", "6"]);
    }

    #[test]
    fn spraying_from_one_ip_and_slow_failures() {
        let ctx = HuntContext::default();
        let mut v: Vec<String> = (0..5)
            .map(|i| login(i, 2, i as u32, &format!("u{i}"), "198.51.100.7", false))
            .collect();
        // 4 failures only: below the threshold.
        v.extend((10..14).map(|i| login(i, 3, i as u32, "carol", "192.0.2.1", false)));
        // 5 failures for dave, each 6 minutes apart: never 5 within 300 s.
        v.extend(
            (20..25).map(|i| login(i, 10 + (i as u32 - 20) * 6, 0, "dave", "192.0.2.9", false)),
        );
        let f = run(detector(), &recs(v), &ctx);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].resource_id, "198.51.100.7");
        assert_eq!(f[0].events.as_ref().unwrap().event_ids.len(), 5);
    }

    #[test]
    fn two_bursts_separated_by_a_quiet_window() {
        let ctx = HuntContext::default();
        let mut v: Vec<String> = (0..5)
            .map(|i| login(i, 0, i as u32, "bob", "203.0.113.50", false))
            .collect();
        v.extend((5..10).map(|i| login(i, 20, i as u32, "bob", "203.0.113.50", false)));
        let f = run(detector(), &recs(v), &ctx);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[1].events.as_ref().unwrap().event_ids[0], "5");
        assert!(run(detector(), ODD, &ctx).is_empty());
    }

    #[test]
    fn timed_records_with_null_fields() {
        let ctx = HuntContext::default();
        // Failures with no user or address still count (as one unknown user); odd
        // eventTime and responseElements values are skipped without panicking.
        let mut v: Vec<String> = (0..5)
            .map(|i| {
                format!(
                    r#"{{"eventName":"ConsoleLogin","eventID":"{i}","eventTime":"2026-11-01T10:00:0{i}Z","userIdentity":null,"sourceIPAddress":null,"recipientAccountId":null,"responseElements":{{"ConsoleLogin":"Failure"}}}}"#
                )
            })
            .collect();
        v.push(r#"{"eventName":"ConsoleLogin","eventTime":"not a time","responseElements":{"ConsoleLogin":"Failure"}}"#.into());
        v.push(r#"{"eventName":"ConsoleLogin","eventTime":7,"responseElements":null,"sourceIPAddress":5}"#.into());
        v.push(r#"{"eventName":"ConsoleLogin","eventTime":"2026-11-01T10:00:09Z","responseElements":{"ConsoleLogin":"Success"},"sourceIPAddress":null}"#.into());
        let f = run(detector(), &recs(v), &ctx);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource_id, "?/unknown user");
        assert_eq!(f[0].severity, Severity::Medium);
    }
}
