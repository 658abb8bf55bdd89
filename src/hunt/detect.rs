//! The detection API every CloudTrail detection (`src/rules/ath/*.rs`) implements.
//!
//! Ordering contract: the engine parses files in parallel while it feeds every detector
//! sequentially, file by file in sorted path order (the S3 delivery layout sorts by
//! account, region and date) and record by record inside a file. CloudTrail itself only
//! roughly orders records, so windowed detectors must tolerate minutes of disorder
//! (compare absolute time differences, never assume monotonic time).
//!
//! Stateful detectors keep BOUNDED state (cap maps, evict by window) and emit either when
//! a threshold is crossed or in [`Detector::finish`].

pub use crate::hunt::record::Record;
use crate::hunt::record::{Leaf, Under};
use crate::model::{EventContext, Finding, Severity};
use crate::rules::Rule;
use serde_json::Value;

/// One CloudTrail record. Accessors never panic: missing, null or mistyped fields are `None`.
pub struct Event<'a> {
    /// The record's fields, parsed on demand from `raw`.
    pub record: &'a Record,
    /// The record's raw JSON text.
    pub raw: &'a str,
    /// Display path of the log file (or `s3://` URL).
    pub file: &'a str,
    /// 1-based index of the record inside its file.
    pub line: usize,
}

impl<'a> Event<'a> {
    /// A string field at a dotted path, e.g. `userIdentity.type`.
    pub fn str_at(&self, path: &str) -> Option<&'a str> {
        let mut keys = [""; 8];
        let mut n = 0;
        for k in path.split('.') {
            match keys.get_mut(n) {
                Some(slot) => *slot = k,
                None => return self.at(path).and_then(Value::as_str),
            }
            n += 1;
        }
        self.str_in(&keys[..n])
    }

    /// [`Event::str_at`] with the path split into keys (no splitting on every call for
    /// the accessors every record meets).
    pub fn str_in(&self, keys: &[&str]) -> Option<&'a str> {
        self.str_of(self.record.leaf(self.raw, keys), keys.iter().copied())
    }

    /// [`Event::str_in`] of `under`'s keys and then `rest` (the object is found once per
    /// record).
    pub fn str_under(&self, under: Under, rest: &[&str]) -> Option<&'a str> {
        let keys = under.keys().iter().chain(rest).copied();
        self.str_of(self.record.leaf_under(self.raw, under, rest), keys)
    }

    /// The string `leaf` (read at `keys`) is: plain strings straight from the text, the rest
    /// through the parsed field.
    fn str_of<'k>(&self, leaf: Leaf<'a>, keys: impl Iterator<Item = &'k str>) -> Option<&'a str> {
        match leaf {
            Leaf::Str(s) => Some(s),
            Leaf::Other => self.at_keys(keys).and_then(Value::as_str),
            Leaf::Missing | Leaf::Null | Leaf::Bool(_) => None,
        }
    }

    /// Any field at a dotted path (object keys only).
    pub fn at(&self, path: &str) -> Option<&'a Value> {
        self.at_keys(path.split('.'))
    }

    /// [`Event::at`] with the path split into keys.
    fn at_keys<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Option<&'a Value> {
        let mut keys = keys.into_iter();
        let mut v = self.field(keys.next()?)?;
        for key in keys {
            v = v.get(key)?;
        }
        (!v.is_null()).then_some(v)
    }

    /// A top-level field, null included.
    pub fn field(&self, key: &str) -> Option<&'a Value> {
        self.record.get(self.raw, key)
    }

    pub fn event_name(&self) -> Option<&'a str> {
        self.str_in(&["eventName"])
    }
    pub fn event_source(&self) -> Option<&'a str> {
        self.str_in(&["eventSource"])
    }
    /// RFC 3339 text as logged.
    pub fn event_time(&self) -> Option<&'a str> {
        self.str_in(&["eventTime"])
    }
    /// `eventTime` parsed; `None` when absent or malformed.
    pub fn timestamp(&self) -> Option<jiff::Timestamp> {
        self.event_time()?.parse().ok()
    }
    pub fn event_id(&self) -> Option<&'a str> {
        self.str_in(&["eventID"])
    }
    pub fn aws_region(&self) -> Option<&'a str> {
        self.str_in(&["awsRegion"])
    }
    pub fn source_ip(&self) -> Option<&'a str> {
        self.str_in(&["sourceIPAddress"])
    }
    /// `sourceIPAddress` when it is an IP (it is a service name like `ec2.amazonaws.com`
    /// for calls AWS services make on the principal's behalf).
    pub fn source_ip_addr(&self) -> Option<std::net::IpAddr> {
        self.source_ip()?.parse().ok()
    }
    /// Set on failed calls: those are attempts, not successes.
    pub fn error_code(&self) -> Option<&'a str> {
        self.str_in(&["errorCode"])
    }
    /// A failed call: `errorCode` set, or a console sign-in whose result is `Failure`
    /// (those carry `errorMessage` and `responseElements.ConsoleLogin`, no `errorCode`).
    pub fn failed(&self) -> bool {
        self.error_code().is_some_and(|c| !c.is_empty())
            || self.str_at("responseElements.ConsoleLogin") == Some("Failure")
    }
    /// `userIdentity.type`: Root, IAMUser, AssumedRole, FederatedUser, AWSService, ...
    pub fn user_type(&self) -> Option<&'a str> {
        self.str_under(Under::UserIdentity, &["type"])
    }
    /// Who acted: ARN, else userName, else invokedBy.
    pub fn principal(&self) -> Option<&'a str> {
        self.str_under(Under::UserIdentity, &["arn"])
            .or_else(|| self.str_under(Under::UserIdentity, &["userName"]))
            .or_else(|| self.str_under(Under::UserIdentity, &["invokedBy"]))
    }
    pub fn user_name(&self) -> Option<&'a str> {
        self.str_under(Under::UserIdentity, &["userName"])
    }
    pub fn access_key_id(&self) -> Option<&'a str> {
        self.str_under(Under::UserIdentity, &["accessKeyId"])
    }
    pub fn recipient_account_id(&self) -> Option<&'a str> {
        self.str_in(&["recipientAccountId"])
            .or_else(|| self.str_under(Under::UserIdentity, &["accountId"]))
    }
    pub fn request_parameters(&self) -> Option<&'a Value> {
        self.at("requestParameters")
    }
    pub fn response_elements(&self) -> Option<&'a Value> {
        self.at("responseElements")
    }
    pub fn additional_event_data(&self) -> Option<&'a Value> {
        self.at("additionalEventData")
    }

    /// An owned digest of this event, for stateful detectors to keep.
    pub fn summary(&self) -> EventSummary {
        let fields = self.summary_fields().map(|f| f.map(str::to_string));
        EventSummary::of(fields, self.file, self.line)
    }

    /// What [`EventSummary`] keeps besides the file and line, in its field order (shared
    /// with [`PackedSummary`]).
    fn summary_fields(&self) -> [Option<&'a str>; 6] {
        [
            self.event_id(),
            self.event_time(),
            self.principal(),
            self.source_ip(),
            self.aws_region(),
            self.recipient_account_id(),
        ]
    }

    /// A finding supported by this one event. `resource_id` is the principal or the affected resource.
    pub fn finding(
        &self,
        rule: &Rule,
        severity: Severity,
        resource_id: &str,
        description: String,
    ) -> Finding {
        finding_for(rule, severity, resource_id, description, &[self.summary()])
    }
}

/// An [`EventSummary`] in one allocation, its file name shared with the other events of its
/// file: for detectors that keep one per key of a large key space (ATH001 keeps up to
/// 10,000), where seven strings each took a tenth of a run's fresh memory.
pub struct PackedSummary {
    /// The six optional fields, one after the other.
    text: Box<str>,
    /// Where each field ends in `text`; `u32::MAX` for an absent one.
    ends: [u32; 6],
    file: std::sync::Arc<str>,
    line: usize,
}

/// The file name of the last event packed, shared by the next ones from the same file.
#[derive(Default)]
pub struct SharedFile(Option<std::sync::Arc<str>>);

impl SharedFile {
    fn of(&mut self, file: &str) -> std::sync::Arc<str> {
        match &self.0 {
            Some(f) if **f == *file => f.clone(),
            _ => self.0.insert(file.into()).clone(),
        }
    }
}

impl PackedSummary {
    pub fn new(e: &Event, files: &mut SharedFile) -> PackedSummary {
        let fields = e.summary_fields();
        let mut text = String::with_capacity(fields.iter().flatten().map(|f| f.len()).sum());
        let mut ends = [u32::MAX; 6];
        for (end, f) in ends.iter_mut().zip(fields) {
            // A field that would end past 4 GiB is kept absent (no record comes near).
            if let Some(f) = f
                && let Some(e) = u32::try_from(text.len() + f.len())
                    .ok()
                    .filter(|&e| e < u32::MAX)
            {
                text.push_str(f);
                *end = e;
            }
        }
        PackedSummary {
            text: text.into_boxed_str(),
            ends,
            file: files.of(e.file),
            line: e.line,
        }
    }

    pub fn unpack(&self) -> EventSummary {
        let mut start = 0;
        let fields = self.ends.map(|end| {
            let f = self.text.get(start..end as usize).map(str::to_string);
            if f.is_some() {
                start = end as usize;
            }
            f
        });
        EventSummary::of(fields, &self.file, self.line)
    }
}

/// What a stateful detector remembers of an event.
#[derive(Clone, Debug, Default)]
pub struct EventSummary {
    pub event_id: Option<String>,
    pub event_time: Option<String>,
    pub principal: Option<String>,
    pub source_ip: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub file: String,
    pub line: usize,
}

impl EventSummary {
    /// From [`Event::summary_fields`] (owned) and where the event is.
    fn of(fields: [Option<String>; 6], file: &str, line: usize) -> EventSummary {
        let [event_id, event_time, principal, source_ip, region, account] = fields;
        EventSummary {
            event_id,
            event_time,
            principal,
            source_ip,
            region,
            account,
            file: file.to_string(),
            line,
        }
    }
}

/// A finding supported by `events` (non-empty, in log order). Location is the LAST event
/// (where the detection fired); principal/ip/region/account come from the last event too.
pub fn finding_for(
    rule: &Rule,
    severity: Severity,
    resource_id: &str,
    description: String,
    events: &[EventSummary],
) -> Finding {
    finding_with(
        rule.id,
        severity,
        rule.remediation,
        resource_id,
        description,
        events,
    )
}

/// [`finding_for`] for rules outside the registry (Sigma).
pub fn finding_with(
    rule_id: &str,
    severity: Severity,
    remediation: &str,
    resource_id: &str,
    description: String,
    events: &[EventSummary],
) -> Finding {
    let last = events.last().cloned().unwrap_or_default();
    let mut f = Finding::new(
        rule_id,
        severity,
        resource_id,
        description,
        remediation,
        &last.file,
        last.line,
        0,
        None,
    );
    let ids: Vec<String> = events.iter().filter_map(|e| e.event_id.clone()).collect();
    let mut times: Vec<&str> = events
        .iter()
        .filter_map(|e| e.event_time.as_deref())
        .collect();
    times.sort_unstable();
    f.events = Some(EventContext {
        event_ids: ids.clone(),
        event_count: None,
        principal: last.principal.clone(),
        source_ip: last.source_ip.clone(),
        region: last.region.clone(),
        account: last.account.clone(),
        first_seen: times.first().map(|s| s.to_string()),
        last_seen: times.last().map(|s| s.to_string()),
    });
    f.seal(&ids.join(","));
    f
}

/// Which records a detector needs; the engine skips parsing records nobody needs.
#[derive(Clone, Copy, Debug)]
pub enum Interest {
    /// Only these `eventName`s (exact, case-sensitive as CloudTrail logs them).
    Names(&'static [&'static str]),
    /// Records whose raw JSON text contains any of these case-sensitive substrings. A
    /// prefilter, not a match: `on_event` still checks the parsed fields. Pick substrings
    /// that survive any JSON formatting: no whitespace around `:` or `,`, no escapable
    /// characters (CloudTrail writes compact JSON, exports may be pretty-printed), e.g.
    /// `Root"` for `"type": "Root"`.
    Contains(&'static [&'static str]),
    /// Records by who made the call: `userIdentity.type` one of `types`, or
    /// `userIdentity.accessKeyId` starting with one of `key_prefixes`; and every record
    /// whose `eventName` is one of `names`. A prefilter too (`on_event` checks the fields):
    /// in a file whose every record the engine indexes anyway (for Sigma rules) records are
    /// chosen by those fields (a field that is not a plain string lets the record through),
    /// elsewhere by their text holding `TYPE"` or `"PREFIX` (as [`Interest::Contains`]).
    Identity {
        names: &'static [&'static str],
        types: &'static [&'static str],
        key_prefixes: &'static [&'static str],
    },
    /// Every record (makes the engine parse every record: avoid).
    All,
}

/// Settings detections read; from flags and the config file.
#[derive(Clone, Debug)]
pub struct HuntContext {
    /// Regions where console logins are expected; empty = not configured (no region check).
    pub trusted_regions: Vec<String>,
    /// Networks logins/key use are expected from; empty = not configured.
    pub trusted_cidrs: Vec<ipnet::IpNet>,
    /// Failed console logins per user or per source IP within the window that make brute force.
    pub brute_force_threshold: usize,
    pub brute_force_window_secs: i64,
    /// How long after `CreateAccessKey` a first use from a new IP is reported.
    pub key_use_window_secs: i64,
    /// Records outside [since, until] are skipped by the engine before detectors see them.
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
}

impl Default for HuntContext {
    fn default() -> Self {
        HuntContext {
            trusted_regions: Vec::new(),
            trusted_cidrs: Vec::new(),
            brute_force_threshold: 5,
            brute_force_window_secs: 300,
            key_use_window_secs: 86_400,
            since: None,
            until: None,
        }
    }
}

impl HuntContext {
    /// `Some(true/false)` when trusted regions are configured, `None` otherwise.
    pub fn region_trusted(&self, region: &str) -> Option<bool> {
        (!self.trusted_regions.is_empty()).then(|| self.trusted_regions.iter().any(|r| r == region))
    }
    /// `Some(true/false)` when trusted CIDRs are configured and `ip` is an address, `None` otherwise.
    pub fn ip_trusted(&self, ip: &str) -> Option<bool> {
        if self.trusted_cidrs.is_empty() {
            return None;
        }
        let addr: std::net::IpAddr = ip.parse().ok()?;
        Some(self.trusted_cidrs.iter().any(|n| n.contains(&addr)))
    }
}

/// A detection. One fresh instance per hunt run (see the ordering contract above).
pub trait Detector: Send {
    fn rule(&self) -> &'static Rule;
    fn interest(&self) -> Interest;
    /// Called for every record matching `interest` inside [since, until].
    fn on_event(&mut self, e: &Event, ctx: &HuntContext, out: &mut Vec<Finding>);
    /// Called once after the last record.
    fn finish(&mut self, _ctx: &HuntContext, _out: &mut Vec<Finding>) {}
}

/// Every built-in detection, fresh.
pub fn detectors(_ctx: &HuntContext) -> Vec<Box<dyn Detector>> {
    crate::rules::ath::detectors()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_of<'a>(record: &'a Record, raw: &'a str, file: &'a str) -> Event<'a> {
        Event {
            record,
            raw,
            file,
            line: 7,
        }
    }

    #[test]
    fn packed_summaries_unpack_to_the_summary() {
        let raws = [
            r#"{"eventID":"e1","eventTime":"2026-11-01T10:00:00Z","sourceIPAddress":"192.0.2.1","awsRegion":"us-east-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"}}"#,
            r#"{"eventTime":"2026-11-01T10:00:00Z","awsRegion":"eu-west-1"}"#,
            r#"{"eventID":"","sourceIPAddress":null,"userIdentity":{"type":"Root"}}"#,
            r#"{}"#,
        ];
        let mut files = SharedFile::default();
        let mut packed = Vec::new();
        for (i, raw) in raws.iter().enumerate() {
            let record = Record::index(raw).unwrap();
            let file = if i < 2 { "a.json" } else { "b.json" };
            let e = event_of(&record, raw, file);
            let p = PackedSummary::new(&e, &mut files);
            assert_eq!(format!("{:?}", p.unpack()), format!("{:?}", e.summary()));
            packed.push(p);
        }
        // Events of one file share its name; the next file gets its own.
        assert!(std::sync::Arc::ptr_eq(&packed[0].file, &packed[1].file));
        assert!(!std::sync::Arc::ptr_eq(&packed[1].file, &packed[2].file));
        assert_eq!(&*packed[2].file, "b.json");
    }
}
