//! ## What it does
//! Reports a new access key used from an address its user was never seen at before the key
//! was created:
//! 1. a successful `CreateAccessKey` (`eventSource` = `iam.amazonaws.com`, no `errorCode`)
//!    with `responseElements.accessKey.accessKeyId`; the key's user is
//!    `requestParameters.userName`, else `responseElements.accessKey.userName`, else the
//!    caller's `userIdentity.userName` (per `recipientAccountId`);
//! 2. followed, at most `key_use_window_secs` (default 86,400) after the creation's
//!    `eventTime`, by any call with `userIdentity.accessKeyId` equal to that key, from a
//!    `sourceIPAddress` that is an IP address (service names and `AWS Internal` are skipped),
//!    outside `trusted_cidrs` when configured, and never seen for that user (events with
//!    `userIdentity.type` = `IAMUser` and the same `userName` and account) at or before
//!    the creation time through another access key or the console.
//!
//! One finding per key, for its earliest such use, carrying both event ids (creation, use).
//! Records are matched whatever order they come in (CloudTrail files of other regions sort
//! before `us-east-1`, where IAM logs), so findings are emitted at the end of the input.
//! A failed `CreateAccessKey` creates no key and is not reported; a use that failed
//! (`errorCode` set, e.g. `AccessDenied`) still proves the key works and is reported at
//! MEDIUM.
//!
//! Bounded state: at most 10,000 created keys, 10,000 users with up to 64 remembered
//! addresses each (the earliest sightings are kept), and uses of up to 10,000 long-term
//! (`AKIA`) keys with up to 8 addresses each (keys already known to be new always get
//! room). Past the caps new entries are dropped.
//!
//! ## Why is this bad?
//! Creating an access key for an existing or freshly created user and using it from
//! attacker infrastructure is the classic way to turn a short-lived foothold into lasting
//! access (Stratus `aws.persistence.iam-create-admin-user`, `iam-backdoor-user`).
//!
//! ## Severity
//! HIGH; MEDIUM when the use from the new address failed (`errorCode` set).
//!
//! ## Example
//! ```json
//! {"eventName": "CreateAccessKey", "requestParameters": {"userName": "svc-deploy"},
//!  "responseElements": {"accessKey": {"accessKeyId": "AKIAEXAMPLE000000NEW", "userName": "svc-deploy"}}}
//! {"eventName": "ListBuckets", "sourceIPAddress": "203.0.113.200",
//!  "userIdentity": {"type": "IAMUser", "userName": "svc-deploy", "accessKeyId": "AKIAEXAMPLE000000NEW"}}
//! ```
//!
//! Use instead: rotate keys through the pipeline, from the addresses the user already
//! works from (or use roles and no long-term keys at all):
//! ```json
//! {"eventName": "ListBuckets", "sourceIPAddress": "198.51.100.20",
//!  "userIdentity": {"type": "IAMUser", "userName": "svc-deploy", "accessKeyId": "AKIAEXAMPLE000000NEW"}}
//! ```
//!
//! ## References
//! - [Managing access keys for IAM users](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html)
//! - [Stratus Red Team: Create an administrative IAM User](https://stratus-red-team.cloud/attack-techniques/AWS/aws.persistence.iam-create-admin-user/)
//! - [MITRE ATT&CK T1098.001 Additional Cloud Credentials](https://attack.mitre.org/techniques/T1098/001/)

use crate::hunt::detect::{
    Detector, Event, EventSummary, HuntContext, Interest, PackedSummary, SharedFile, finding_for,
};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    id: "ATH001",
    name: "access-key-new-ip",
    title: "New access key used from a new address",
    family: "ATH",
    severity: Severity::High,
    remediation: "Confirm with the key's owner; if unknown, deactivate and delete the key, review what it did, and look for other keys, users and roles the caller created.",
    source: include_str!("access_key_new_ip.rs"),
    check: Check::Hunt,
};

const MAX_KEYS: usize = 10_000;
const MAX_USERS: usize = 10_000;
const MAX_IPS_PER_USER: usize = 64;
const MAX_IPS_PER_KEY: usize = 8;

struct Created {
    user: String,
    ts: i64,
    event: EventSummary,
}

struct Use {
    ip: Box<str>,
    ts: i64,
    failed: bool,
    event: PackedSummary,
}

/// An address a user was seen at: earliest time and the access key of that sighting.
struct Seen {
    ts: i64,
    key: Option<String>,
}

#[derive(Default)]
struct KeyNewIp {
    created: HashMap<String, Created>,
    /// account/user -> ip -> earliest sighting.
    seen: HashMap<String, HashMap<String, Seen>>,
    /// access key -> earliest use per ip. Most keys are seen from one address: a list
    /// sized to its uses, not a map, keeps this (the detector's bulk) small.
    uses: HashMap<Box<str>, Vec<Use>>,
    files: SharedFile,
}

pub fn detector() -> Box<dyn Detector> {
    Box::<KeyNewIp>::default()
}

impl KeyNewIp {
    fn remember_ip(&mut self, user: String, ip: &str, ts: i64, key: Option<&str>) {
        if !self.seen.contains_key(&user) && self.seen.len() >= MAX_USERS {
            return;
        }
        let ips = self.seen.entry(user).or_default();
        if let Some(s) = ips.get_mut(ip) {
            if ts < s.ts {
                *s = Seen {
                    ts,
                    key: key.map(str::to_string),
                };
            }
            return;
        }
        if ips.len() >= MAX_IPS_PER_USER {
            // Keep the earliest sightings: replace the latest one if this is earlier.
            let Some(latest) = ips
                .iter()
                .max_by_key(|(_, s)| s.ts)
                .map(|(k, s)| (k.clone(), s.ts))
            else {
                return;
            };
            if ts >= latest.1 {
                return;
            }
            ips.remove(&latest.0);
        }
        ips.insert(
            ip.to_string(),
            Seen {
                ts,
                key: key.map(str::to_string),
            },
        );
    }

    fn remember_use(&mut self, key: &str, ip: &str, ts: i64, e: &Event) {
        if !self.uses.contains_key(key)
            && self.uses.len() >= MAX_KEYS
            && !self.created.contains_key(key)
        {
            return;
        }
        let files = &mut self.files;
        let fresh = |files: &mut SharedFile| Use {
            ip: ip.into(),
            ts,
            failed: e.failed(),
            event: PackedSummary::new(e, files),
        };
        match self.uses.get_mut(key) {
            None => {
                // `vec!` allocates for exactly one.
                self.uses.insert(key.into(), vec![fresh(files)]);
            }
            Some(ips) => match ips.iter().position(|u| *u.ip == *ip) {
                Some(i) if ts < ips[i].ts => ips[i] = fresh(files),
                Some(_) => {}
                None if ips.len() < MAX_IPS_PER_KEY => ips.push(fresh(files)),
                None => {}
            },
        }
    }
}

impl Detector for KeyNewIp {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        // Key creations, IAM users' calls (their usual addresses) and every use of a long-term
        // key.
        Interest::Identity {
            names: &["CreateAccessKey"],
            types: &["IAMUser"],
            key_prefixes: &["AKIA"],
        }
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, _out: &mut Vec<Finding>) {
        // Cheap field checks first: most records (roles' session keys) need nothing here.
        let create = e.event_name() == Some("CreateAccessKey");
        let iam_user = e.user_type() == Some("IAMUser");
        let key = e
            .access_key_id()
            .filter(|k| k.starts_with("AKIA") || self.created.contains_key(*k));
        if !create && !iam_user && key.is_none() {
            return;
        }
        let Some(ts) = e.timestamp().map(|t| t.as_second()) else {
            return;
        };
        let account = e.recipient_account_id().unwrap_or("?");
        if create
            && e.event_source() == Some("iam.amazonaws.com")
            && !e.failed()
            && let Some(key) = e.str_at("responseElements.accessKey.accessKeyId")
            && let Some(user) = e
                .str_at("requestParameters.userName")
                .or(e.str_at("responseElements.accessKey.userName"))
                .or(e.user_name())
            && (self.created.len() < MAX_KEYS || self.created.contains_key(key))
        {
            self.created.insert(
                key.to_string(),
                Created {
                    user: format!("{account}/{user}"),
                    ts,
                    event: e.summary(),
                },
            );
        }
        let Some(ip) = e.source_ip().filter(|_| e.source_ip_addr().is_some()) else {
            return;
        };
        if iam_user && let Some(user) = e.user_name() {
            self.remember_ip(format!("{account}/{user}"), ip, ts, e.access_key_id());
        }
        if let Some(k) = key {
            self.remember_use(k, ip, ts, e);
        }
    }

    fn finish(&mut self, ctx: &HuntContext, out: &mut Vec<Finding>) {
        let mut created: Vec<(&String, &Created)> = self.created.iter().collect();
        created.sort_by(|a, b| (a.1.ts, a.0).cmp(&(b.1.ts, b.0)));
        for (key, c) in created {
            let Some(uses) = self.uses.get(key.as_str()) else {
                continue;
            };
            let seen = self.seen.get(&c.user);
            let known = |ip: &str| {
                seen.and_then(|s| s.get(ip))
                    .is_some_and(|s| s.ts <= c.ts && s.key.as_deref() != Some(key.as_str()))
            };
            let first = uses
                .iter()
                .filter(|u| {
                    u.ts >= c.ts
                        && u.ts - c.ts <= ctx.key_use_window_secs
                        && ctx.ip_trusted(&u.ip) != Some(true)
                        && !known(&u.ip)
                })
                .min_by(|a, b| (a.ts, &a.ip).cmp(&(b.ts, &b.ip)));
            let Some(u) = first else {
                continue;
            };
            let ip = &u.ip;
            let (severity, what) = if u.failed {
                (Severity::Medium, "a denied call")
            } else {
                (Severity::High, "a call")
            };
            let user = c.user.split_once('/').map_or(c.user.as_str(), |(_, u)| u);
            let creator = c.event.principal.as_deref().unwrap_or("unknown principal");
            out.push(finding_for(
                &RULE,
                severity,
                key,
                format!(
                    "Access key {key} for {user} (created by {creator}) made {what} from {ip}, an address not seen for {user} before, {}s after creation",
                    u.ts - c.ts
                ),
                &[c.event.clone(), u.event.unpack()],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    const CREATE: &str = r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","eventID":"c1","eventTime":"2026-11-01T10:00:00Z","recipientAccountId":"111122223333","sourceIPAddress":"198.51.100.20","userIdentity":{"type":"IAMUser","userName":"admin","accessKeyId":"AKIAADMIN00000000001"},"requestParameters":{"userName":"svc"},"responseElements":{"accessKey":{"accessKeyId":"AKIANEW0000000000001","userName":"svc","status":"Active"}}}"#;

    fn call(id: &str, time: &str, ip: &str, key: &str, err: bool) -> String {
        let err = if err {
            r#","errorCode":"AccessDenied""#
        } else {
            ""
        };
        format!(
            r#"{{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","eventID":"{id}","eventTime":"2026-11-01T{time}Z","recipientAccountId":"111122223333","sourceIPAddress":"{ip}","userIdentity":{{"type":"IAMUser","userName":"svc","accessKeyId":"{key}"}}{err}}}"#
        )
    }

    fn ids(f: &[Finding]) -> Vec<Vec<String>> {
        f.iter()
            .map(|f| f.events.as_ref().unwrap().event_ids.clone())
            .collect()
    }

    #[test]
    fn new_key_from_new_ip_in_any_order() {
        let ctx = HuntContext::default();
        // svc worked from 192.0.2.10 with its old key before; the new key is used from
        // there (known) and from 203.0.113.200 (new). The use is logged before the creation.
        let recs = format!(
            "[{},{},{},{}]",
            call(
                "old",
                "09:00:00",
                "192.0.2.10",
                "AKIAOLD0000000000001",
                false
            ),
            call(
                "u2",
                "11:00:00",
                "203.0.113.200",
                "AKIANEW0000000000001",
                false
            ),
            CREATE,
            call(
                "u1",
                "10:05:00",
                "192.0.2.10",
                "AKIANEW0000000000001",
                false
            ),
        );
        let f = run(detector(), &recs, &ctx);
        assert_eq!(ids(&f), vec![vec!["c1".to_string(), "u2".to_string()]]);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].resource_id, "AKIANEW0000000000001");
    }

    #[test]
    fn earliest_use_per_address_and_the_address_cap() {
        let ctx = HuntContext::default();
        let key = "AKIANEW0000000000001";
        // The same new address twice, the earlier use logged second: it is the one cited.
        let recs = format!(
            "[{CREATE},{},{}]",
            call("late", "10:30:00", "203.0.113.7", key, false),
            call("early", "10:10:00", "203.0.113.7", key, false),
        );
        let f = run(detector(), &recs, &ctx);
        assert_eq!(ids(&f), vec![vec!["c1".to_string(), "early".to_string()]]);
        // Past MAX_IPS_PER_KEY addresses a key's further addresses are not kept, even an
        // earlier one.
        let mut recs = vec![CREATE.to_string()];
        for i in 0..MAX_IPS_PER_KEY {
            let (id, ip) = (format!("u{i}"), format!("203.0.113.{}", 10 + i));
            recs.push(call(&id, &format!("10:2{i}:00"), &ip, key, false));
        }
        recs.push(call("over", "10:01:00", "198.51.100.99", key, false));
        let f = run(detector(), &format!("[{}]", recs.join(",")), &ctx);
        assert_eq!(ids(&f), vec![vec!["c1".to_string(), "u0".to_string()]]);
        let ev = &f[0].events.as_ref().unwrap();
        assert_eq!(ev.source_ip.as_deref(), Some("203.0.113.10"));
    }

    #[test]
    fn window_trust_and_failed_uses() {
        let late = format!(
            "[{CREATE},{}]",
            call(
                "u",
                "10:00:00",
                "203.0.113.200",
                "AKIANEW0000000000001",
                false
            )
            .replace("2026-11-01", "2026-11-03")
        );
        assert!(run(detector(), &late, &HuntContext::default()).is_empty());
        let recs = format!(
            "[{CREATE},{}]",
            call(
                "u",
                "10:01:00",
                "203.0.113.200",
                "AKIANEW0000000000001",
                true
            )
        );
        let f = run(detector(), &recs, &HuntContext::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        let trusted = HuntContext {
            trusted_cidrs: vec!["203.0.113.0/24".parse().unwrap()],
            ..Default::default()
        };
        assert!(run(detector(), &recs, &trusted).is_empty());
        // A failed CreateAccessKey creates nothing.
        let failed = format!(
            "[{},{}]",
            CREATE.replace(
                r#""eventID":"c1""#,
                r#""eventID":"c1","errorCode":"LimitExceeded""#
            ),
            call(
                "u",
                "10:01:00",
                "203.0.113.200",
                "AKIANEW0000000000001",
                false
            )
        );
        assert!(run(detector(), &failed, &HuntContext::default()).is_empty());
        assert!(run(detector(), ODD, &HuntContext::default()).is_empty());
    }

    #[test]
    fn timed_records_with_null_fields() {
        let recs = format!(
            "[{},{},{},{},{}]",
            CREATE.replace(
                r#""accessKeyId":"AKIANEW0000000000001""#,
                r#""accessKeyId":null"#
            ),
            CREATE
                .replace(
                    r#""requestParameters":{"userName":"svc"}"#,
                    r#""requestParameters":null"#
                )
                .replace(r#","userName":"svc","status""#, r#","status""#),
            call(
                "n1",
                "10:01:00",
                "203.0.113.200",
                "AKIANEW0000000000001",
                false
            )
            .replace(
                r#""userIdentity":{"type":"IAMUser","userName":"svc","#,
                r#""userIdentity":{"#
            ),
            call("n2", "10:02:00", "not-an-ip", "AKIANEW0000000000001", false),
            r#"{"eventTime":"2026-11-01T10:03:00Z","userIdentity":{"type":"IAMUser","userName":null,"accessKeyId":5},"sourceIPAddress":null}"#,
        );
        // The key falls back to the caller (admin) as its user; the use without a user
        // name still counts as a use of the key.
        let f = run(detector(), &recs, &HuntContext::default());
        assert_eq!(ids(&f), vec![vec!["c1".to_string(), "n1".to_string()]]);
        assert!(
            f[0].description.contains("for admin"),
            "{}",
            f[0].description
        );
    }
}
