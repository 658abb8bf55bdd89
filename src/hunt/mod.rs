//! `guardrails hunt`: detections over CloudTrail logs.
//!
//! A pipeline: rayon workers read, gunzip and split files into records (memchr jumps, no
//! parsing), drop the records no detector or Sigma rule wants (a peek at `eventName` /
//! `eventSource`, substring search for `Interest::Contains` and `Interest::Identity`, whose
//! records are chosen by their fields instead when every record is indexed for Sigma
//! anyway) and parse the rest, while the calling thread feeds detectors file by file in
//! sorted order (see `detect` for the contract). At most a few files per core are loaded
//! and not yet consumed, so peak memory depends on file size, not input size.

pub mod athena;
pub mod detect;
pub mod input;
pub mod record;
pub mod s3;
pub mod sigma;

use crate::cli::{EXIT_CONFIG, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK};
use crate::model::{Finding, InputError, Report, Severity};
use crate::report::{self, Format};
use detect::{Detector, Event, HuntContext, Interest};
use memchr::memmem;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Default config file, read from the working directory when present.
pub const CONFIG_FILE: &str = ".guardrails-hunt.json";

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 clean, 1 internal error, 2 findings at/above --fail-on, \
3 unreadable or corrupt log file or s3:// input (the rest is still processed), 4 config error, \
64 usage (also: s3:// input in a build without the `aws` feature)."
)]
pub struct HuntArgs {
    /// CloudTrail log files or directories (S3 delivery layout), .json or .json.gz, or
    /// s3://bucket/prefix (read with the AWS SDK; needs s3:ListBucket and s3:GetObject).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Regions console logins are expected from, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub trusted_regions: Vec<String>,
    /// Networks logins and key use are expected from, comma-separated CIDRs.
    #[arg(long, value_delimiter = ',', value_name = "CIDRS")]
    pub trusted_cidrs: Vec<String>,
    /// Skip records before this time (RFC 3339, or a UTC date YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Skip records after this time (RFC 3339, or a UTC date YYYY-MM-DD: through its end).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Also run the Sigma rules (logsource aws/cloudtrail) under DIR; findings are SIGMA-<id>.
    #[arg(long, value_name = "DIR")]
    pub sigma: Option<PathBuf>,
    /// Output format [default: text on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Lowest severity that fails the run (exit 2).
    #[arg(long, value_name = "SEVERITY", default_value = "HIGH", value_parser = crate::cli::parse_severity)]
    pub fail_on: Severity,
    /// Config file with trusted_regions, trusted_cidrs, brute_force_threshold,
    /// brute_force_window_secs, key_use_window_secs [default: ./.guardrails-hunt.json when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The config file's shape; flags override it.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    trusted_regions: Vec<String>,
    #[serde(default)]
    trusted_cidrs: Vec<String>,
    brute_force_threshold: Option<usize>,
    brute_force_window_secs: Option<i64>,
    key_use_window_secs: Option<i64>,
}

fn config_error(file: &str, message: String) -> InputError {
    InputError {
        file: file.to_string(),
        line: None,
        column: None,
        message,
    }
}

fn read_config(p: &Path) -> Result<ConfigFile, InputError> {
    let name = p.display().to_string();
    let text = std::fs::read_to_string(p).map_err(|e| config_error(&name, e.to_string()))?;
    serde_json::from_str(&text)
        .map_err(|e| config_error(&name, format!("invalid hunt config: {e}")))
}

/// The context a hunt config file alone gives (tests use it for per-rule fixtures).
pub fn context_from_file(path: &Path) -> Result<HuntContext, InputError> {
    let c = read_config(path)?;
    let d = HuntContext::default();
    Ok(HuntContext {
        trusted_regions: c.trusted_regions,
        trusted_cidrs: parse_cidrs(&c.trusted_cidrs, &path.display().to_string())?,
        brute_force_threshold: c.brute_force_threshold.unwrap_or(d.brute_force_threshold),
        brute_force_window_secs: c
            .brute_force_window_secs
            .unwrap_or(d.brute_force_window_secs),
        key_use_window_secs: c.key_use_window_secs.unwrap_or(d.key_use_window_secs),
        ..d
    })
}

/// Builds the context from the config file and flags.
fn context(args: &HuntArgs) -> Result<HuntContext, InputError> {
    context_from(&Settings {
        config: args.config.as_deref(),
        trusted_regions: &args.trusted_regions,
        trusted_cidrs: &args.trusted_cidrs,
        since: args.since.as_deref(),
        until: args.until.as_deref(),
    })
}

/// The settings flags `hunt` and `athena` share.
pub struct Settings<'a> {
    pub config: Option<&'a Path>,
    pub trusted_regions: &'a [String],
    pub trusted_cidrs: &'a [String],
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
}

/// The config file (`--config`, else `./.guardrails-hunt.json` when present), then the
/// flags replace its lists; `--since`/`--until` are RFC 3339 or a UTC date.
pub fn context_from(s: &Settings) -> Result<HuntContext, InputError> {
    let path = s.config.map(Path::to_path_buf).or_else(|| {
        Path::new(CONFIG_FILE)
            .is_file()
            .then(|| PathBuf::from(CONFIG_FILE))
    });
    let mut ctx = match path {
        Some(p) => context_from_file(&p)?,
        None => HuntContext::default(),
    };
    let regions: Vec<String> = s
        .trusted_regions
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if !regions.is_empty() {
        ctx.trusted_regions = regions;
    }
    let cidrs = parse_cidrs(s.trusted_cidrs, "--trusted-cidrs")?;
    if !cidrs.is_empty() {
        ctx.trusted_cidrs = cidrs;
    }
    ctx.since = s.since.map(|t| parse_time(t, false)).transpose()?;
    ctx.until = s.until.map(|t| parse_time(t, true)).transpose()?;
    Ok(ctx)
}

/// CIDRs, or bare addresses as /32 or /128.
fn parse_cidrs(list: &[String], origin: &str) -> Result<Vec<ipnet::IpNet>, InputError> {
    list.iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<ipnet::IpNet>()
                .or_else(|_| c.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| config_error(origin, format!("not a CIDR: {c}")))
        })
        .collect()
}

/// RFC 3339, or a date (start of day for --since, end of day for --until), UTC.
fn parse_time(s: &str, end_of_day: bool) -> Result<jiff::Timestamp, InputError> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let start: jiff::Timestamp = s
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| format!("{d}T00:00:00Z").parse().ok())
        .ok_or_else(|| {
            config_error(
                "--since/--until",
                format!("not an RFC 3339 time or date: {s}"),
            )
        })?;
    Ok(if end_of_day {
        start + jiff::SignedDuration::from_secs(86_399)
    } else {
        start
    })
}

/// Lookups per record: a fast hash (keys come from the rules, not from the logs).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Bit of a record's want mask that stands for the Sigma rules.
const SIGMA_BIT: u64 = 1 << 63;
/// Detectors from this index on share one bit (they may then see more records than their
/// interest; `Names` are re-checked on dispatch).
const SHARED_BIT: usize = 62;

fn bit(detector: usize) -> u64 {
    1 << detector.min(SHARED_BIT)
}

/// Which records are worth parsing and who gets them, from every detector's [`Interest`] and
/// the Sigma rules' `eventName`/`eventSource` requirements. Each record gets a want mask (one
/// bit per detector, one for Sigma) from a peek at its raw text; mask 0 = never parsed.
struct Plan {
    /// Lowercase `eventName` → bits of the `Names` detectors and Sigma wanting it.
    names: FastMap<Box<str>, u64>,
    /// Every `Contains` substring (and those standing for `Identity` interests) in one
    /// automaton (one pass over the text), and per substring the bits of the detectors
    /// that listed it.
    contains: Option<(Needles, Vec<u64>)>,
    /// Bits of the detectors with an `Interest::Contains`.
    plain_contains: u64,
    /// The `Identity` interests: their detectors' bits, `types` and `key_prefixes`.
    identity: Vec<(u64, &'static [&'static str], &'static [&'static str])>,
    /// Bits wanted for every record (`All`, Sigma rules needing every record).
    always: u64,
    /// Bits set when `eventName` cannot be peeked (escapes, missing): parse and re-check.
    unknown_name: u64,
    /// Per detector: the exact names to re-check on dispatch (`Names` only).
    exact: Vec<Option<HashSet<&'static str, foldhash::fast::RandomState>>>,
    name_key: memmem::Finder<'static>,
    source_key: memmem::Finder<'static>,
    /// Sigma rules to evaluate on a record, by its lowercase `eventName` / `eventSource` (no
    /// sources: `eventSource` is not checked);
    /// `sigma_every`: rules without such a requirement (evaluated on every record).
    sigma_by_name: FastMap<Box<str>, Vec<usize>>,
    sigma_by_source: FastMap<Box<str>, Vec<usize>>,
    sigma_every: Vec<usize>,
    /// Sigma rules without such a requirement but with literals ([`sigma::SigmaRule::needles`]):
    /// one case-insensitive pass per file, and per pattern the bits (index into
    /// `sigma_by_needle`) of the rules it lets through (the guards: all of them).
    sigma_needles: Option<NeedleSearch>,
    sigma_by_needle: Vec<usize>,
    /// Unique per plan (from 1): what loaders' caches of its rule indexes are keyed by.
    id: u64,
}

impl Plan {
    fn new(detectors: &[Box<dyn Detector>], sigma: Option<&sigma::SigmaRules>) -> Plan {
        let mut p = Plan {
            names: FastMap::default(),
            contains: None,
            plain_contains: 0,
            identity: Vec::new(),
            always: 0,
            unknown_name: 0,
            exact: Vec::new(),
            name_key: memmem::Finder::new(b"\"eventName\""),
            source_key: memmem::Finder::new(b"\"eventSource\""),
            sigma_by_name: FastMap::default(),
            sigma_by_source: FastMap::default(),
            sigma_every: Vec::new(),
            sigma_needles: None,
            sigma_by_needle: Vec::new(),
            id: {
                static PLANS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                PLANS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        };
        let mut needles: Vec<(String, u64)> = Vec::new();
        let mut needle = |n: String, b: u64| match needles.iter_mut().find(|(x, _)| *x == n) {
            Some((_, bits)) => *bits |= b,
            None => needles.push((n, b)),
        };
        for (i, d) in detectors.iter().enumerate() {
            let b = bit(i);
            // Names wanted by their peeked `eventName` (parsed and re-checked when it cannot be).
            let mut by_name = |ns: &[&str]| {
                for n in ns {
                    *p.names.entry(n.to_ascii_lowercase().into()).or_default() |= b;
                }
                p.unknown_name |= b;
            };
            match d.interest() {
                Interest::Names(ns) => {
                    by_name(ns);
                    p.exact.push(Some(ns.iter().copied().collect()));
                }
                Interest::Contains(ns) => {
                    for &n in ns {
                        needle(n.to_string(), b);
                    }
                    p.plain_contains |= b;
                    p.exact.push(None);
                }
                Interest::Identity {
                    names,
                    types,
                    key_prefixes,
                } => {
                    by_name(names);
                    // `"type":"Root"` and `"accessKeyId":"AKIA…"` in any JSON formatting.
                    for t in types {
                        needle(format!("{t}\""), b);
                    }
                    for k in key_prefixes {
                        needle(format!("\"{k}"), b);
                    }
                    p.identity.push((b, types, key_prefixes));
                    p.exact.push(None);
                }
                Interest::All => {
                    p.always |= b;
                    p.exact.push(None);
                }
            }
        }
        if !needles.is_empty() {
            let patterns: Vec<&str> = needles.iter().map(|(n, _)| n.as_str()).collect();
            p.contains = Some((
                Needles::new(&patterns),
                needles.iter().map(|(_, b)| *b).collect(),
            ));
        }
        let mut sigma_needles: Vec<(String, u64)> = Vec::new();
        for (ri, r) in sigma
            .map(|s| s.rules.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            match r.interest() {
                Some((names, sources)) => {
                    for n in names {
                        let n: Box<str> = n.to_ascii_lowercase().into();
                        p.sigma_by_name.entry(n.clone()).or_default().push(ri);
                        *p.names.entry(n).or_default() |= SIGMA_BIT;
                    }
                    for src in &sources {
                        let src: Box<str> = src.to_ascii_lowercase().into();
                        p.sigma_by_source.entry(src).or_default().push(ri);
                    }
                    p.unknown_name |= SIGMA_BIT;
                }
                None => match r.needles() {
                    Some(ns) if p.sigma_by_needle.len() < 64 => {
                        let b = 1u64 << p.sigma_by_needle.len();
                        p.sigma_by_needle.push(ri);
                        for n in ns {
                            match sigma_needles.iter_mut().find(|(x, _)| *x == n) {
                                Some((_, bits)) => *bits |= b,
                                None => sigma_needles.push((n, b)),
                            }
                        }
                    }
                    _ => {
                        p.always |= SIGMA_BIT;
                        p.sigma_every.push(ri);
                    }
                },
            }
        }
        if !sigma_needles.is_empty() {
            p.sigma_needles = Some(NeedleSearch::new(sigma_needles));
        }
        p
    }

    /// Indexes of the Sigma rules worth evaluating on a record (ascending), given the
    /// record's needle bits; every rule when its `eventName` cannot be peeked.
    /// `lower` is scratch space.
    fn sigma_candidates(
        &self,
        e: &Event,
        needles: u64,
        all: usize,
        out: &mut Vec<usize>,
        lower: &mut String,
    ) {
        out.clear();
        // Plain strings only (as the peek in `masks`): anything else meets every rule.
        let text = |path: &[&str]| match e.record.leaf(e.raw, path) {
            record::Leaf::Str(s) => Some(s),
            _ => None,
        };
        let Some(name) = text(&["eventName"]) else {
            out.extend(0..all);
            return;
        };
        let source = if self.sigma_by_source.is_empty() {
            Some("")
        } else {
            text(&["eventSource"])
        };
        let Some(source) = source else {
            out.extend(0..all);
            return;
        };
        // The same name, source and needle bits give the same rules: most records repeat
        // a few hundred such triples, so each loader keeps their lists.
        CANDIDATES.with_borrow_mut(|(plan, cache)| {
            if *plan != self.id {
                // Another run's rules (tests run several in one process).
                (*plan, *cache) = (self.id, FastMap::default());
            }
            lower.clear();
            lower.push_str(name);
            lower.push('\0');
            lower.push_str(source);
            if let Some(c) = cache.get(&needles).and_then(|m| m.get(lower.as_str())) {
                out.extend_from_slice(c);
                return;
            }
            let key = lower.clone();
            self.sigma_candidates_of(name, source, needles, out, lower);
            let by_bits = cache.entry(needles).or_default();
            if by_bits.len() < MAX_CACHED_CANDIDATES {
                by_bits.insert(key, out.as_slice().into());
            }
        });
    }

    /// [`Plan::sigma_candidates`] worked out for a record's plain `eventName` and
    /// `eventSource` (empty when no rule needs it).
    fn sigma_candidates_of(
        &self,
        name: &str,
        source: &str,
        needles: u64,
        out: &mut Vec<usize>,
        lower: &mut String,
    ) {
        out.clear();
        out.extend_from_slice(&self.sigma_every);
        out.extend(
            (0..self.sigma_by_needle.len())
                .filter(|j| needles & (1 << j) != 0)
                .map(|j| self.sigma_by_needle[j]),
        );
        if let Some(v) = self.sigma_by_name.get(ascii_lower(name, lower)) {
            out.extend_from_slice(v);
        }
        if !self.sigma_by_source.is_empty()
            && let Some(v) = self.sigma_by_source.get(ascii_lower(source, lower))
        {
            out.extend_from_slice(v);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Want masks of every record of a file, into `masks`, and the Sigma needle bits of
    /// each record into `needles` (left empty when no rule has needles). `true` when the
    /// `Identity` interests are left to [`Plan::identity_wants`]: every record is indexed
    /// for Sigma anyway, so its fields decide and the text search is spared.
    fn masks(&self, recs: &input::Records, masks: &mut Vec<u64>, needles: &mut Vec<u64>) -> bool {
        let mut lower = String::new();
        // Without the needle search every record meets a needle rule, so Sigma wants it
        // whatever its `eventSource`.
        let run_search = self.sigma_needles.is_some()
            && NEEDLE_SAMPLING.with_borrow_mut(NeedleSampling::search_next);
        let by_source =
            !self.sigma_by_source.is_empty() && (self.sigma_needles.is_none() || run_search);
        masks.clear();
        masks.extend((0..recs.ranges.len()).map(|i| {
            let raw = recs.raw(i);
            let mut m = self.always;
            let Some(name) = input::peek_with(raw, &self.name_key) else {
                return m | self.unknown_name;
            };
            m |= self
                .names
                .get(ascii_lower(name, &mut lower))
                .copied()
                .unwrap_or(0);
            if m & SIGMA_BIT == 0 && by_source {
                match input::peek_with(raw, &self.source_key) {
                    Some(src) => {
                        if self
                            .sigma_by_source
                            .contains_key(ascii_lower(src, &mut lower))
                        {
                            m |= SIGMA_BIT;
                        }
                    }
                    None => m |= SIGMA_BIT,
                }
            }
            m
        }));
        needles.clear();
        if let Some(search) = &self.sigma_needles {
            needles.resize(masks.len(), 0);
            let all = u64::MAX >> (64 - self.sigma_by_needle.len());
            if run_search {
                // The file's first records are a sample; when it turns the search off, the
                // rest of the file goes without it too.
                let n = needles.len();
                let head = n.min(NeedleSampling::SAMPLE);
                LOWER.with_borrow_mut(|lower| search.search(recs, 0..head, all, lower, needles));
                let passed = needles[..head].iter().filter(|&&n| n != 0).count();
                if NEEDLE_SAMPLING.with_borrow_mut(|s| s.searched(head, passed)) {
                    needles[head..].fill(all);
                } else {
                    LOWER
                        .with_borrow_mut(|lower| search.search(recs, head..n, all, lower, needles));
                }
            } else {
                // Every needle rule is a candidate: the same matches, found without the search.
                needles.fill(all);
                #[cfg(test)]
                tests::FILES_WITHOUT_NEEDLE_SEARCH
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            for (m, n) in masks.iter_mut().zip(needles.iter()) {
                if *n != 0 {
                    *m |= SIGMA_BIT;
                }
            }
        }
        let by_fields = !self.identity.is_empty()
            && self.plain_contains == 0
            && masks.iter().all(|m| m & SIGMA_BIT != 0);
        if !by_fields && let Some((automaton, bits)) = &self.contains {
            substrings(
                recs,
                (&recs.text, 0, 0),
                automaton,
                |p| bits[p],
                u64::MAX,
                masks,
            );
        }
        by_fields
    }

    /// The bits of the `Identity` interests record `r` (text `raw`) meets by its fields;
    /// a field that is not a plain string (escaped, say) or a damaged record meets them all.
    fn identity_wants(&self, r: &record::Record, raw: &str) -> u64 {
        use record::{Leaf, Under};
        let kind = r.leaf_under(raw, Under::UserIdentity, &["type"]);
        let key = r.leaf_under(raw, Under::UserIdentity, &["accessKeyId"]);
        let damaged = r.damaged();
        let meets = |leaf: &Leaf, want: &[&str], by: fn(&str, &str) -> bool| match leaf {
            Leaf::Str(s) => want.iter().any(|w| by(s, w)),
            Leaf::Other => !want.is_empty(),
            _ => false,
        };
        self.identity
            .iter()
            .filter(|(_, types, key_prefixes)| {
                damaged
                    || meets(&kind, types, |s, t| s == t)
                    || meets(&key, key_prefixes, |s, k| s.starts_with(k))
            })
            .fold(0, |bits, (b, ..)| bits | b)
    }
}

/// Whether a loader runs the Sigma needle search on its next file. The search is there to
/// spare the records no needle rule can match; when most records pass it anyway (a rule
/// such as `aws_sts_assumerole_misuse` requires `AssumedRole`, in nine records of ten),
/// it costs more than reading the few it would spare, so after a sample of
/// [`NeedleSampling::SAMPLE`] records of which at least two thirds passed, the next
/// [`NeedleSampling::SKIP`] files are read without it, then another sample is taken (a
/// prefilter that switches itself off when it is not effective, as the regex crate's
/// do). Which records are read changes, never what matches.
#[derive(Default)]
struct NeedleSampling {
    records: usize,
    passed: usize,
    skip: usize,
}

impl NeedleSampling {
    // A sample costs a lowercased copy of its records' text and a search of it: a file's
    // first records decide (a few files' when they are small), and a sample in 32 files
    // follows changes in the logs.
    const SAMPLE: usize = 256;
    const SKIP: usize = 31;

    fn search_next(&mut self) -> bool {
        if self.skip == 0 {
            return true;
        }
        self.skip -= 1;
        false
    }

    /// Counts a searched sample; whether the search is now off (the sample was dense).
    fn searched(&mut self, records: usize, passed: usize) -> bool {
        self.records += records;
        self.passed += passed;
        if self.records >= Self::SAMPLE {
            if 3 * self.passed >= 2 * self.records {
                self.skip = Self::SKIP;
            }
            (self.records, self.passed) = (0, 0);
        }
        self.skip > 0
    }
}

/// `s` in ASCII lowercase, in `buf` (kept by the caller across records).
fn ascii_lower<'b>(s: &str, buf: &'b mut String) -> &'b str {
    buf.clear();
    buf.push_str(s);
    buf.make_ascii_lowercase();
    buf
}

/// Substrings: one pass over `text` (the text of records `first..` at offset `base` of the
/// records' text, or a copy of it) for all patterns (hits come in text order), or-ing
/// `bits(pattern)` of each hit into its record's slot; a record whose slot reaches `full`
/// is skipped.
fn substrings(
    recs: &input::Records,
    (text, base, first): (&[u8], usize, usize),
    needles: &Needles,
    bits: impl Fn(usize) -> u64,
    full: u64,
    slots: &mut [u64],
) {
    let (mut i, mut from) = (first, 0);
    while let Some(hit) = needles.find(text, from) {
        from = hit.start() + 1;
        let (start, end) = (base + hit.start(), base + hit.end());
        while recs.ranges.get(i).is_some_and(|r| r.end <= start) {
            i += 1;
        }
        match recs.ranges.get(i) {
            Some(r) if r.start <= start && end <= r.end => {
                slots[i] |= bits(hit.pattern().as_usize());
                if slots[i] & full == full {
                    from = from.max(r.end - base);
                }
            }
            Some(_) => {}
            None => break,
        }
    }
}

/// Literal patterns searched together, leftmost-first (at a position where several match,
/// the first listed is reported; [`substrings`] finds overlapping hits by resuming one byte
/// after each hit's start): the packed (Teddy, SIMD) searcher where it builds, else an
/// automaton. Teddy compares the first `min(4, shortest pattern)` bytes of each pattern
/// at once; when every pattern is longer, a three-byte pattern of control characters,
/// which valid JSON text never holds raw, makes that three: 30% faster on CloudTrail text,
/// for as few candidates (`Roo`, `IAM`, `"AK`).
enum Needles {
    Packed {
        searcher: aho_corasick::packed::Searcher,
        /// The index of the three-byte pattern, whose hits are passed over.
        filler: Option<usize>,
    },
    Automaton(aho_corasick::AhoCorasick),
}

impl Needles {
    const FILLER: &'static [u8] = b"\x01\x02\x03";

    fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Needles {
        let mut all: Vec<&[u8]> = patterns.iter().map(AsRef::as_ref).collect();
        let filler = all.iter().all(|p| p.len() > 3).then(|| {
            all.push(Self::FILLER);
            all.len() - 1
        });
        let packed = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&all)
            .build();
        match packed {
            Some(searcher) => Needles::Packed { searcher, filler },
            None => Needles::Automaton(
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(patterns)
                    .expect("literal patterns always build"),
            ),
        }
    }

    /// The leftmost hit starting at or after `from`.
    #[inline]
    fn find(&self, text: &[u8], mut from: usize) -> Option<aho_corasick::Match> {
        match self {
            Needles::Packed { searcher, filler } => loop {
                let hit = searcher.find_in(text, aho_corasick::Span::from(from..text.len()))?;
                if Some(hit.pattern().as_usize()) != *filler {
                    return Some(hit);
                }
                from = hit.start() + 1;
            },
            Needles::Automaton(a) => a.find(aho_corasick::Input::new(text).range(from..)),
        }
    }
}

/// ASCII-case-insensitive search for the Sigma needles: the file's text lowercased once,
/// then one packed (SIMD) pass for all needles. (An automaton over the needles' case
/// variants needed the slower "fat" packed searcher and was a seventh of a `--sigma`
/// run.) The guards, which let a record meet every needle rule, are searched in the
/// original text.
struct NeedleSearch {
    /// The lowercase needles, longest first: at a position where several match, the
    /// longest is reported, and the shorter ones are its prefixes.
    automaton: Needles,
    /// Per pattern: the bits of the rules it and its prefixes among the needles let through.
    bits: Vec<u64>,
    /// [`sigma::NEEDLE_GUARDS`].
    guards: Needles,
}

impl NeedleSearch {
    fn new(mut needles: Vec<(String, u64)>) -> NeedleSearch {
        needles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let bits = needles
            .iter()
            .map(|(n, _)| {
                needles
                    .iter()
                    .filter(|(m, _)| n.starts_with(m.as_str()))
                    .fold(0, |acc, (_, b)| acc | b)
            })
            .collect();
        let patterns: Vec<&str> = needles.iter().map(|(n, _)| n.as_str()).collect();
        NeedleSearch {
            automaton: Needles::new(&patterns),
            bits,
            guards: Needles::new(&sigma::NEEDLE_GUARDS),
        }
    }

    /// Ors into `slots[i]` the bits of the needles record `i` (of `records`) holds, and
    /// `all` when it holds a guard. `lower` is scratch space.
    fn search(
        &self,
        recs: &input::Records,
        records: std::ops::Range<usize>,
        all: u64,
        lower: &mut Vec<u8>,
        slots: &mut [u64],
    ) {
        let (Some(first), Some(last)) = (
            recs.ranges.get(records.start),
            records.end.checked_sub(1).and_then(|l| recs.ranges.get(l)),
        ) else {
            return;
        };
        let (base, text) = (first.start, &recs.text[first.start..last.end]);
        lower.clear();
        lower.extend(text.iter().map(u8::to_ascii_lowercase));
        let at = records.start;
        substrings(
            recs,
            (lower, base, at),
            &self.automaton,
            |p| self.bits[p],
            all,
            slots,
        );
        substrings(recs, (text, base, at), &self.guards, |_| all, all, slots);
    }
}

/// A record some detector or Sigma wants, parsed.
struct Parsed {
    line: usize,
    range: std::ops::Range<usize>,
    mask: u64,
    record: record::Record,
}

/// One file's records the detectors want (`text` holds their raw JSON), and its Sigma
/// findings (Sigma rules are stateless, so they run in the loaders, in parallel).
struct FileRecords {
    display: String,
    text: Vec<u8>,
    records: Vec<Parsed>,
    sigma: SigmaGroups,
    error: Option<String>,
}

/// What a loader needs besides the path.
#[derive(Clone, Copy)]
struct Load<'a> {
    plan: &'a Plan,
    ctx: &'a HuntContext,
    sigma: Option<&'a sigma::SigmaRules>,
    /// The objects of `s3://` inputs.
    remote: &'a s3::Remote,
}

fn load_file(path: &Path, load: Load) -> FileRecords {
    let plan = load.plan;
    let display = s3::display(path);
    let buf = TEXT.take();
    let text = match load.remote.read(path) {
        Some(bytes) => bytes.and_then(|b| input::decode(b, buf)),
        None => input::read_text(path, buf),
    };
    let recs = match text {
        Ok(t) => input::split(t),
        Err(e) => {
            return FileRecords {
                display,
                text: Vec::new(),
                records: Vec::new(),
                sigma: SigmaGroups::default(),
                error: Some(e),
            };
        }
    };
    let mut masks = MASKS.take();
    let mut needles = NEEDLES.take();
    let by_fields = plan.masks(&recs, &mut masks, &mut needles);
    let mut error = recs.error.clone();
    let mut records = Vec::new();
    let mut sigma_groups = SigmaGroups::default();
    let (mut candidates, mut matched, mut lower) = (Vec::new(), Vec::new(), String::new());
    let rules = load.sigma.map(|s| s.rules.as_slice()).unwrap_or_default();
    for (i, mut mask) in masks.iter().copied().enumerate() {
        if mask == 0 {
            continue;
        }
        let Some(raw) = recs.text_of(i) else {
            error.get_or_insert(format!("record {} is not UTF-8 text", i + 1));
            continue;
        };
        // Records only Sigma reads are indexed lazily: its rules read a few paths of most
        // records; the detectors' records are checked whole.
        let lazy = mask == SIGMA_BIT;
        let indexed = if lazy {
            record::Record::index_lazy(raw)
        } else {
            record::Record::index(raw)
        };
        match indexed {
            Ok(mut record) => {
                if mask & SIGMA_BIT != 0 {
                    mask &= !SIGMA_BIT;
                    let e = Event {
                        record: &record,
                        raw,
                        file: &display,
                        line: i + 1,
                    };
                    if in_window(&e, load.ctx) {
                        let n = needles.get(i).copied().unwrap_or(0);
                        plan.sigma_candidates(&e, n, rules.len(), &mut candidates, &mut lower);
                        matched.clear();
                        matched.extend(
                            candidates
                                .iter()
                                .copied()
                                .filter(|&ri| rules[ri].matches(&e)),
                        );
                        if record.damaged() {
                            // What the rules read was not valid JSON: no finding from it.
                            error.get_or_insert(format!("record {}: invalid JSON", i + 1));
                        } else {
                            for &ri in &matched {
                                sigma_groups.add(ri, &e, i);
                            }
                        }
                    }
                }
                if by_fields {
                    let extra = plan.identity_wants(&record, raw) & !mask;
                    if extra != 0 {
                        // The detectors' records are checked whole.
                        if lazy {
                            match record::Record::index(raw) {
                                Ok(whole) => record = whole,
                                Err(e) => {
                                    error.get_or_insert(format!("record {}: {e}", i + 1));
                                    continue;
                                }
                            }
                        }
                        mask |= extra;
                    }
                }
                if mask != 0 {
                    records.push(Parsed {
                        line: i + 1,
                        range: recs.ranges[i].clone(),
                        mask,
                        record,
                    });
                }
            }
            Err(e) if e == "not an object" => {
                error.get_or_insert(format!("record {} is not an object", i + 1));
            }
            Err(e) => {
                error.get_or_insert(format!("record {}: {e}", i + 1));
            }
        }
    }
    MASKS.set(masks);
    NEEDLES.set(needles);
    sigma_groups.summarize_last(|i| {
        let raw = recs.text_of(i)?;
        let record = record::Record::index_lazy(raw).ok()?;
        let e = Event {
            record: &record,
            raw,
            file: &display,
            line: i + 1,
        };
        Some(e.summary())
    });
    // Only the wanted records' text travels to the feeding thread: the file's text stays
    // this thread's buffer for its next file (a fresh one per file had the kernel fault in
    // and zero new pages every time, and memory grew with the files in flight).
    let mut text = Vec::with_capacity(records.iter().map(|r| r.range.len()).sum());
    for r in &mut records {
        let at = text.len();
        text.extend_from_slice(&recs.text[r.range.clone()]);
        r.range = at..text.len();
    }
    TEXT.set(recs.into_text());
    FileRecords {
        display,
        text,
        records,
        sigma: sigma_groups,
        error,
    }
}

/// A plan's id, and its candidate lists by needle bits and `eventName NUL eventSource`.
type CandidateCache = (u64, FastMap<u64, FastMap<String, Box<[usize]>>>);

/// Entries per needle-bit value in a loader's [`CANDIDATES`] (logs with more distinct
/// name/source pairs work the rest out record by record).
const MAX_CACHED_CANDIDATES: usize = 4096;

thread_local! {
    /// Each loader's Sigma candidate lists, by needle bits and then `eventName NUL
    /// eventSource` (see [`Plan::sigma_candidates`]), for the plan of [`Plan::id`].
    static CANDIDATES: std::cell::RefCell<CandidateCache> =
        std::cell::RefCell::new((0, FastMap::default()));
    /// Each loader thread's want-mask buffer, kept across files.
    static MASKS: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
    /// The same for the Sigma needle bits.
    static NEEDLES: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
    /// Each loader thread's file text buffer, kept across files.
    static TEXT: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    /// Each loader's [`NeedleSampling`].
    static NEEDLE_SAMPLING: std::cell::RefCell<NeedleSampling> = std::cell::RefCell::new(NeedleSampling::default());
    /// The file's text lowercased, for the Sigma needle search.
    static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`load_file`], with a panic turned into an error naming the file.
fn load_file_guarded(path: &Path, load: Load) -> FileRecords {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load_file(path, load))).unwrap_or_else(
        |_| FileRecords {
            display: s3::display(path),
            text: Vec::new(),
            records: Vec::new(),
            sigma: SigmaGroups::default(),
            error: Some("internal error while reading this file".into()),
        },
    )
}

fn in_window(e: &Event, ctx: &HuntContext) -> bool {
    if ctx.since.is_none() && ctx.until.is_none() {
        return true;
    }
    let Some(t) = e.timestamp() else {
        return false;
    };
    ctx.since.is_none_or(|s| t >= s) && ctx.until.is_none_or(|u| t <= u)
}

/// Runs every built-in detection over log files or directories. The library entry point
/// (also used by tests/fixtures.rs).
pub fn hunt_files(paths: &[PathBuf], ctx: &HuntContext) -> (Vec<Finding>, Vec<InputError>) {
    let mut detectors = detect::detectors(ctx);
    hunt_with(paths, ctx, &mut detectors, None)
}

/// The pipeline: rayon workers read, gunzip, split, prefilter and parse files (at most
/// `in_flight` files loaded and not yet consumed, so memory does not grow with the input)
/// while this thread feeds the detectors file by file in sorted order.
pub fn hunt_with(
    paths: &[PathBuf],
    ctx: &HuntContext,
    detectors: &mut [Box<dyn Detector>],
    sigma: Option<&sigma::SigmaRules>,
) -> (Vec<Finding>, Vec<InputError>) {
    let mut walk_errors = Vec::new();
    let (local, urls) = s3::partition(paths);
    let mut files = input::collect_files(&local, &mut walk_errors);
    let remote = s3::Remote::open(&urls, ctx.since, ctx.until, &mut walk_errors);
    files.extend(remote.files());
    let mut errors: Vec<InputError> = walk_errors
        .into_iter()
        .map(|(f, m)| config_error(&f, m))
        .collect();
    let plan = Plan::new(detectors, sigma);
    let load = Load {
        plan: &plan,
        ctx,
        sigma,
        remote: &remote,
    };
    let mut findings = Vec::new();
    let mut sigma_groups = SigmaGroups::default();
    let in_flight = 2 * rayon::current_num_threads().max(1) + 2;
    let (tx, rx) = std::sync::mpsc::channel::<(usize, FileRecords)>();
    rayon::in_place_scope(|s| {
        let mut next = 0;
        let spawn_next = |next: &mut usize| {
            if let Some(path) = files.get(*next) {
                let (tx, i) = (tx.clone(), *next);
                s.spawn(move |_| {
                    let _ = tx.send((i, load_file_guarded(path, load)));
                });
                *next += 1;
            }
        };
        while next < in_flight.min(files.len()) {
            spawn_next(&mut next);
        }
        let mut ready = BTreeMap::new();
        for want in 0..files.len() {
            let file = loop {
                if let Some(f) = ready.remove(&want) {
                    break f;
                }
                let (i, f) = receive(&rx);
                ready.insert(i, f);
            };
            spawn_next(&mut next);
            feed(&file, ctx, detectors, &plan, &mut findings);
            sigma_groups.merge(file.sigma);
            if let Some(e) = file.error {
                errors.push(config_error(&file.display, e));
            }
        }
    });
    for d in detectors.iter_mut() {
        d.finish(ctx, &mut findings);
    }
    if let Some(s) = sigma {
        findings.extend(sigma_groups.findings(&s.rules));
    }
    (findings, errors)
}

/// The next loaded file. Inside a rayon pool (a caller's parallel iterator) the wait runs
/// other pool jobs instead of blocking a worker the loaders may need.
fn receive(rx: &std::sync::mpsc::Receiver<(usize, FileRecords)>) -> (usize, FileRecords) {
    const SENDERS_ALIVE: &str = "a spawned loader always sends";
    if rayon::current_thread_index().is_none() {
        return rx.recv().expect(SENDERS_ALIVE);
    }
    loop {
        match rx.try_recv() {
            Ok(x) => return x,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => panic!("{SENDERS_ALIVE}"),
        }
    }
}

/// Feeds one file's records to the detectors that want them.
fn feed(
    file: &FileRecords,
    ctx: &HuntContext,
    detectors: &mut [Box<dyn Detector>],
    plan: &Plan,
    findings: &mut Vec<Finding>,
) {
    for rec in &file.records {
        // Checked when the record was parsed.
        let raw = std::str::from_utf8(&file.text[rec.range.clone()]).unwrap_or_default();
        let e = Event {
            record: &rec.record,
            raw,
            file: &file.display,
            line: rec.line,
        };
        if !in_window(&e, ctx) {
            continue;
        }
        let name = e.event_name().unwrap_or("");
        for (i, (d, exact)) in detectors.iter_mut().zip(&plan.exact).enumerate() {
            if rec.mask & bit(i) != 0 && exact.as_ref().is_none_or(|x| x.contains(name)) {
                d.on_event(&e, ctx, findings);
            }
        }
    }
}

/// Sigma matches grouped per rule, account and identity (the role behind an assumed-role
/// session, else the principal), in first-seen order: one finding per group carries every
/// matching event id (a rule matching most records, such as `aws_sts_assumerole_misuse`,
/// gives one finding per role rather than one per call). Loaders group each file's
/// matches; the feeding thread merges the files' groups in file order.
#[derive(Default)]
struct SigmaGroups {
    /// Per rule index: `account NUL identity` → index into `groups`.
    index: Vec<HashMap<String, usize, foldhash::fast::RandomState>>,
    groups: Vec<SigmaGroup>,
    /// Scratch key, so a lookup allocates nothing.
    key: String,
}

struct SigmaGroup {
    rule: usize,
    /// `account NUL identity`.
    key: String,
    /// The first [`SIGMA_GROUP_EVENTS`] − 1 events and the last: earlier ones keep only their
    /// id and time, the last one is kept whole. Bounded, so memory does not grow with the
    /// number of matches.
    events: Vec<detect::EventSummary>,
    /// Every matching event, and the earliest and latest `eventTime` among them.
    count: usize,
    first_seen: Option<String>,
    last_seen: Option<String>,
    names: Vec<String>,
    /// Record index (in its file) of the last event, while a loader groups one file.
    last: usize,
    /// While a loader groups one file: the ids and times of its first events, as ranges
    /// of `file_text` (one growing string per group, not two per event: the feeding
    /// thread makes summaries of only the events its lists still need), and the file's
    /// last event whole ([`SigmaGroups::summarize_last`]).
    file_text: String,
    file_events: Vec<(Span, Span)>,
    last_whole: Option<detect::EventSummary>,
}

/// Where a field's text is in [`SigmaGroup::file_text`], if the event has it.
type Span = Option<(u32, u32)>;

/// Event names listed per Sigma finding.
const MAX_NAMES: usize = 5;

/// Events listed per Sigma finding (the first ones and the last).
const SIGMA_GROUP_EVENTS: usize = 100;

impl SigmaGroup {
    fn identity(&self) -> &str {
        self.key.split_once('\0').map_or("", |(_, i)| i)
    }

    fn add_name(&mut self, name: &str) {
        if self.names.len() < MAX_NAMES && !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_string());
        }
    }

    /// Widens the time range to `t`.
    fn seen(&mut self, t: Option<&str>) {
        let Some(t) = t else { return };
        if self.first_seen.as_deref().is_none_or(|f| t < f) {
            self.first_seen = Some(t.to_string());
        }
        match &mut self.last_seen {
            Some(l) if t <= l.as_str() => {}
            // Reuses the string: times grow record by record.
            Some(l) => {
                l.clear();
                l.push_str(t);
            }
            None => self.last_seen = Some(t.to_string()),
        }
    }

    /// Appends an event, or once the list is full, makes it the last one.
    fn push_event(&mut self, ev: detect::EventSummary) {
        if self.events.len() < SIGMA_GROUP_EVENTS {
            self.events.push(ev);
        } else if let Some(last) = self.events.last_mut() {
            *last = ev;
        }
    }

    /// Moves the file's events to `into`'s list (to this group's own when `None`): ids and
    /// times of those it still has room for, then the last one whole.
    fn take_file_events(&mut self, into: Option<&mut SigmaGroup>) {
        let text = std::mem::take(&mut self.file_text);
        let events = std::mem::take(&mut self.file_events);
        let whole = self.last_whole.take();
        let into = match into {
            Some(g) => g,
            None => self,
        };
        let thin = |(id, time): (Span, Span)| {
            let own = |r: Span| r.map(|(a, b)| text[a as usize..b as usize].to_string());
            detect::EventSummary {
                event_id: own(id),
                event_time: own(time),
                ..Default::default()
            }
        };
        let Some((&last, earlier)) = events.split_last() else {
            return;
        };
        for &ev in earlier {
            // A full list's last slot is replaced by the file's last event anyway.
            if into.events.len() >= SIGMA_GROUP_EVENTS {
                break;
            }
            into.events.push(thin(ev));
        }
        into.push_event(whole.unwrap_or_else(|| thin(last)));
    }

    /// Keeps only the id and time of the (so far) last event.
    fn thin_last(&mut self) {
        if let Some(prev) = self.events.last_mut() {
            *prev = detect::EventSummary {
                event_id: prev.event_id.take(),
                event_time: prev.event_time.take(),
                ..Default::default()
            };
        }
    }
}

impl SigmaGroups {
    fn slot(&mut self, rule: usize) -> Option<usize> {
        if self.index.len() <= rule {
            self.index.resize_with(rule + 1, HashMap::default);
        }
        self.index[rule].get(self.key.as_str()).copied()
    }

    fn push(&mut self, g: SigmaGroup) -> usize {
        self.index[g.rule].insert(g.key.clone(), self.groups.len());
        self.groups.push(g);
        self.groups.len() - 1
    }

    /// Rule `rule` matched `e`, record `at` of the file being loaded: its id and time are
    /// kept ([`SigmaGroups::summarize_last`] fills in each group's last event).
    fn add(&mut self, rule: usize, e: &Event, at: usize) {
        let identity = match e.user_type() {
            Some("AssumedRole") => e.str_under(record::Under::SessionIssuer, &["arn"]),
            _ => None,
        }
        .or_else(|| e.principal())
        .unwrap_or("unknown principal");
        self.key.clear();
        self.key.push_str(e.recipient_account_id().unwrap_or(""));
        self.key.push('\0');
        self.key.push_str(identity);
        let g = match self.slot(rule) {
            Some(g) => g,
            None => self.push(SigmaGroup {
                rule,
                key: self.key.clone(),
                events: Vec::new(),
                count: 0,
                first_seen: None,
                last_seen: None,
                names: Vec::new(),
                last: at,
                file_text: String::new(),
                file_events: Vec::new(),
                last_whole: None,
            }),
        };
        let g = &mut self.groups[g];
        g.count += 1;
        let time = e.event_time();
        g.seen(time);
        // Once the list is full, the last one is left to `summarize_last`.
        if g.file_events.len() < SIGMA_GROUP_EVENTS {
            let mut keep = |s: Option<&str>| {
                s.map(|s| {
                    let from = g.file_text.len() as u32;
                    g.file_text.push_str(s);
                    (from, g.file_text.len() as u32)
                })
            };
            let event = (keep(e.event_id()), keep(time));
            g.file_events.push(event);
        }
        g.last = at;
        if g.names.len() < MAX_NAMES {
            g.add_name(e.event_name().unwrap_or("?"));
        }
    }

    /// Summarizes each group's last event whole (`event(at)` reads record `at`).
    fn summarize_last(&mut self, mut event: impl FnMut(usize) -> Option<detect::EventSummary>) {
        for g in &mut self.groups {
            g.last_whole = event(g.last);
        }
    }

    /// Appends a later file's groups.
    fn merge(&mut self, file: SigmaGroups) {
        for g in file.groups {
            self.key.clone_from(&g.key);
            match self.slot(g.rule) {
                None => {
                    let at = self.push(g);
                    self.groups[at].take_file_events(None);
                }
                Some(at) => {
                    let mut g = g;
                    let mine = &mut self.groups[at];
                    // Its own file's events first (when this is a file's groups).
                    mine.take_file_events(None);
                    mine.thin_last();
                    mine.count += g.count;
                    mine.seen(g.first_seen.as_deref());
                    mine.seen(g.last_seen.as_deref());
                    for n in &g.names {
                        mine.add_name(n);
                    }
                    g.take_file_events(Some(mine));
                }
            }
        }
    }

    fn findings(self, rules: &[sigma::SigmaRule]) -> Vec<Finding> {
        self.groups
            .into_iter()
            .map(|mut g| {
                // Groups of a file not merged into others (a single file's) hold them still.
                g.take_file_events(None);
                let r = &rules[g.rule];
                let remediation = match r.references.first() {
                    Some(link) => format!("Investigate as the Sigma rule describes: {link}"),
                    None => "Investigate as the Sigma rule describes.".to_string(),
                };
                let n = g.count;
                let what = if n == 1 {
                    format!("{} ({})", r.title, g.names.join(", "))
                } else {
                    format!("{} ({} events: {})", r.title, n, g.names.join(", "))
                };
                let mut f = detect::finding_with(
                    &r.rule_id(),
                    r.level,
                    &remediation,
                    g.identity(),
                    what,
                    &g.events,
                );
                if let Some(ev) = &mut f.events {
                    ev.event_count = Some(n);
                    ev.first_seen.clone_from(&g.first_seen);
                    ev.last_seen.clone_from(&g.last_seen);
                }
                f
            })
            .collect()
    }
}

pub fn run(args: &HuntArgs) -> ExitCode {
    if let Some(e) = s3::usage_error(&args.paths) {
        eprintln!("guardrails: error: {e}");
        return ExitCode::from(crate::cli::EXIT_USAGE);
    }
    let ctx = match context(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("guardrails: error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut sigma_errors = Vec::new();
    let sigma = args.sigma.as_deref().map(|dir| {
        let (rules, errors) = sigma::SigmaRules::load(dir);
        sigma_errors = errors;
        for s in &rules.skipped {
            eprintln!("guardrails: warning: {s}");
        }
        rules
    });
    let mut detectors = detect::detectors(&ctx);
    let (findings, mut errors) = hunt_with(&args.paths, &ctx, &mut detectors, sigma.as_ref());
    errors.extend(sigma_errors);
    let input_failed = !errors.is_empty();
    let report = Report::new(findings, errors, args.fail_on);
    let mut code = if input_failed {
        EXIT_INPUT
    } else if report.gating_findings() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    use std::io::IsTerminal;
    let to_terminal = std::io::stdout().is_terminal() && args.out.is_none();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Text
    } else {
        Format::Json
    });
    // Written as it is serialised (JSON, the default for files and pipes): a report of
    // many findings is not built whole first (its fresh pages were milliseconds here).
    let write = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        if format == Format::Text && to_terminal {
            w.write_all(report::text::render(&report, true).as_bytes())?;
        } else {
            report::write(&report, format, w)?;
        }
        w.flush()
    };
    let written = match &args.out {
        Some(p) => std::fs::File::create(p)
            .and_then(|f| write(&mut std::io::BufWriter::with_capacity(1 << 16, f)))
            .map_err(|e| format!("{}: {e}", p.display())),
        None => write(&mut std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout().lock(),
        ))
        .map_err(|e| format!("stdout: {e}")),
    };
    if let Err(e) = written {
        eprintln!("guardrails: error: {e}");
        code = EXIT_INTERNAL;
    }
    for e in &report.errors {
        eprintln!("guardrails: error: {e}");
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Files the loaders read without the Sigma needle search.
    pub(super) static FILES_WITHOUT_NEEDLE_SEARCH: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    type Seen = Arc<Mutex<Vec<(String, usize)>>>;

    /// Records what it is fed: (eventName, line).
    struct Recorder(Interest, Seen);

    impl Detector for Recorder {
        fn rule(&self) -> &'static crate::rules::Rule {
            &crate::rules::ath::root_activity::RULE
        }
        fn interest(&self) -> Interest {
            self.0
        }
        fn on_event(&mut self, e: &Event, _: &HuntContext, _: &mut Vec<Finding>) {
            let name = format!(
                "{}@{}",
                e.event_name().unwrap_or("?"),
                e.file.rsplit('/').next().unwrap()
            );
            self.1.lock().unwrap().push((name, e.line));
        }
    }

    fn recorder(i: Interest) -> (Box<dyn Detector>, Seen) {
        let seen = Seen::default();
        (Box::new(Recorder(i, seen.clone())), seen)
    }

    /// 30 files (more than the loaders keep in flight), each with 3 records; gzip for odd ones.
    fn logs() -> tempfile::TempDir {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        for f in 0..30 {
            let text = format!(
                r#"{{"Records":[{{"eventName":"A{f}","userIdentity":{{"type" : "Root"}}}},
                {{"eventName":"consolelogin"}},{{"eventName":"ConsoleLogin","x":"{{\"Root"}}]}}"#
            );
            let path = dir.path().join(format!("f{f:02}.json"));
            if f % 2 == 1 {
                let gz = path.with_extension("json.gz");
                let mut enc = flate2::write::GzEncoder::new(
                    std::fs::File::create(gz).unwrap(),
                    flate2::Compression::fast(),
                );
                enc.write_all(text.as_bytes()).unwrap();
                enc.finish().unwrap();
            } else {
                std::fs::write(path, text).unwrap();
            }
        }
        dir
    }

    fn run(dir: &Path) -> (Seen, Seen, Seen) {
        let (contains, c) = recorder(Interest::Contains(&["Root\""]));
        let (names, n) = recorder(Interest::Names(&["ConsoleLogin"]));
        let (all, a) = recorder(Interest::All);
        let mut detectors = vec![contains, names, all];
        let (_, errors) = hunt_with(
            &[dir.to_path_buf()],
            &HuntContext::default(),
            &mut detectors,
            None,
        );
        assert!(errors.is_empty(), "{errors:?}");
        (c, n, a)
    }

    fn file_order(seen: &Seen) -> Vec<String> {
        seen.lock()
            .unwrap()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    #[test]
    fn interests_route_records_and_files_arrive_in_sorted_order() {
        let dir = logs();
        let (c, n, a) = run(dir.path());
        let ext = |f: usize| if f % 2 == 1 { "json.gz" } else { "json" };
        // Contains: the records holding `Root"` anywhere (a prefilter: also record 3's string).
        let want: Vec<String> = (0..30)
            .flat_map(|f| {
                [
                    format!("A{f}@f{f:02}.{}", ext(f)),
                    format!("ConsoleLogin@f{f:02}.{}", ext(f)),
                ]
            })
            .collect();
        assert_eq!(file_order(&c), want);
        // Names: exact case only, though the prefilter compares lowercase.
        let want: Vec<String> = (0..30)
            .map(|f| format!("ConsoleLogin@f{f:02}.{}", ext(f)))
            .collect();
        assert_eq!(file_order(&n), want);
        assert_eq!(n.lock().unwrap()[0].1, 3);
        // All: every record, in file then record order.
        let lines: Vec<usize> = a.lock().unwrap().iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, [1, 2, 3].repeat(30));
    }

    /// A CloudTrail Sigma rule `id` whose one selection is `field: value`.
    fn one_field_rule(id: &str, field: &str, value: &str) -> sigma::SigmaRule {
        sigma::SigmaRules::parse_one(
            &format!(
                "title: {id}\nid: {id}\nlogsource:\n  product: aws\n  service: cloudtrail\n\
                 detection:\n  s:\n    {field}: {value}\n  condition: s\nlevel: low\n"
            ),
            "t.yml",
        )
        .unwrap()
    }

    /// `rules` as a loaded set.
    fn rule_set(rules: Vec<sigma::SigmaRule>) -> sigma::SigmaRules {
        sigma::SigmaRules {
            rules,
            skipped: Vec::new(),
        }
    }

    /// Sigma rules alone over `dir`: the findings (no input errors expected).
    fn sigma_findings(dir: &Path, rules: &sigma::SigmaRules) -> Vec<Finding> {
        let (findings, errors) = hunt_with(
            &[dir.to_path_buf()],
            &HuntContext::default(),
            &mut [],
            Some(rules),
        );
        assert!(errors.is_empty(), "{errors:?}");
        findings
    }

    /// A Sigma rule every record is a candidate for (no `eventName`, no needle).
    fn every_record_rule() -> sigma::SigmaRules {
        let rule = one_field_rule("every", "errorCode", "null");
        assert!(rule.needles().is_none() && rule.interest().is_none());
        rule_set(vec![rule])
    }

    #[test]
    fn identity_interests_go_by_the_text_or_by_the_fields_of_records_sigma_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let records = [
            r#"{"eventName":"A","userIdentity":{"type":"Root"}}"#,
            // `"AKIA` in the text, not in `userIdentity.accessKeyId`.
            r#"{"eventName":"B","userIdentity":{"type":"AssumedRole","accessKeyId":"ASIA1"},"requestParameters":{"k":"AKIA2"}}"#,
            r#"{"eventName":"C","userIdentity":{"type" : "IAMUser", "accessKeyId" : "AKIA3"}}"#,
            // An escaped type: the text has no `Root"`; as a field it is not a plain string.
            r#"{"eventName":"D","userIdentity":{"type":"R\u006fot"}}"#,
            r#"{"eventName":"CreateAccessKey","userIdentity":{"type":"AssumedRole"}}"#,
            r#"{"eventName":"F","userIdentity":{"type":"AssumedRole","accessKeyId":"AKIA4"}}"#,
            r#"{"eventName":"G","userIdentity":{"type":"AWSService"}}"#,
        ];
        let text = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        std::fs::write(dir.path().join("a.json"), text).unwrap();
        let rules = every_record_rule();
        let seen = |sigma: Option<&sigma::SigmaRules>| {
            let (d, seen) = recorder(Interest::Identity {
                names: &["CreateAccessKey"],
                types: &["Root", "IAMUser"],
                key_prefixes: &["AKIA"],
            });
            let (_, errors) = hunt_with(
                &[dir.path().to_path_buf()],
                &HuntContext::default(),
                &mut [d],
                sigma,
            );
            assert!(errors.is_empty(), "{errors:?}");
            let names: Vec<String> = seen
                .lock()
                .unwrap()
                .iter()
                .map(|(n, _)| n.split('@').next().unwrap().to_string())
                .collect();
            names
        };
        assert_eq!(seen(None), ["A", "B", "C", "CreateAccessKey", "F"]);
        assert_eq!(seen(Some(&rules)), ["A", "C", "D", "CreateAccessKey", "F"]);
    }

    #[test]
    fn the_detections_find_the_same_whether_sigma_indexes_every_record_or_not() {
        // Every detection's fixtures (positives and near misses) and the bundled logs.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut logs: Vec<PathBuf> = std::fs::read_dir(root.join("rules"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("ATH"))
            .collect();
        logs.push(root.join("cloudtrail"));
        let rules = every_record_rule();
        let ath = |sigma: Option<&sigma::SigmaRules>| {
            let ctx = HuntContext::default();
            let mut detectors = detect::detectors(&ctx);
            let (findings, _) = hunt_with(&logs, &ctx, &mut detectors, sigma);
            let ath: Vec<String> = findings
                .iter()
                .filter(|f| f.rule_id.starts_with("ATH"))
                .map(|f| serde_json::to_string(f).unwrap())
                .collect();
            ath
        };
        let plain = ath(None);
        assert!(
            ["ATH001", "ATH005"]
                .iter()
                .all(|id| plain.iter().any(|f| f.contains(&format!("\"{id}\"")))),
            "the bundled logs hold both Identity detections"
        );
        assert_eq!(ath(Some(&rules)), plain);
    }

    #[test]
    fn candidate_lists_are_the_runs_own_when_rules_change_order() {
        // The loaders' cached candidate lists hold rule indexes: a later run with the same
        // rules in another order (on the same pool threads) must not read the earlier's.
        let dir = tempfile::tempdir().unwrap();
        let recs: Vec<String> = (0..300)
            .map(|i| {
                let name = if i % 3 == 0 { "GetX" } else { "GetY" };
                format!(r#"{{"eventID":"e{i}","eventName":"{name}","eventSource":"s.amazonaws.com","recipientAccountId":"1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u"}}}}"#)
            })
            .collect();
        for f in 0..4 {
            let text = format!(r#"{{"Records":[{}]}}"#, recs.join(","));
            std::fs::write(dir.path().join(format!("f{f}.json")), text).unwrap();
        }
        let rule = |id: &str, name: &str| one_field_rule(id, "eventName", name);
        let count = |rules: Vec<sigma::SigmaRule>| {
            let findings = sigma_findings(dir.path(), &rule_set(rules));
            let mut n: Vec<(String, usize)> = findings
                .iter()
                .map(|f| {
                    (
                        f.rule_id.clone(),
                        f.events.as_ref().unwrap().event_count.unwrap(),
                    )
                })
                .collect();
            n.sort();
            n
        };
        let want = vec![("SIGMA-x".to_string(), 400), ("SIGMA-y".to_string(), 800)];
        for _ in 0..3 {
            assert_eq!(count(vec![rule("x", "GetX"), rule("y", "GetY")]), want);
            assert_eq!(count(vec![rule("y", "GetY"), rule("x", "GetX")]), want);
        }
    }

    #[test]
    fn needles_find_every_start_the_filler_pattern_never() {
        // Long patterns (the three-byte filler is added), and short ones (it is not).
        for patterns in [
            &["Root\"", "IAMUser\"", "\"AKIA"][..],
            &["ab", "abcd", "\\u"][..],
        ] {
            let needles = Needles::new(patterns);
            if let Needles::Packed { filler, .. } = &needles {
                assert_eq!(filler.is_some(), patterns.iter().all(|p| p.len() > 3));
            }
            let text = "x\"AKIAIAMUser\"\u{1}\u{2}\u{3}Root\"Root\" abcd ab \\u \u{1}\u{2}\u{3}IAM"
                .repeat(9);
            let t = text.as_bytes();
            let mut found = Vec::new();
            let mut from = 0;
            while let Some(hit) = needles.find(t, from) {
                found.push((hit.start(), hit.pattern().as_usize()));
                from = hit.start() + 1;
            }
            // Every start of every pattern, the first listed where several start.
            let want: Vec<(usize, usize)> = (0..t.len())
                .filter_map(|i| {
                    patterns
                        .iter()
                        .position(|p| t[i..].starts_with(p.as_bytes()))
                        .map(|p| (i, p))
                })
                .collect();
            assert!(!want.is_empty());
            assert_eq!(found, want, "{patterns:?}");
        }
    }

    #[test]
    fn needle_search_finds_what_a_plain_case_insensitive_search_finds() {
        let needles = ["assumedrole", "root", "trufflehog", "ab", "abc", "b"];
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let pieces = [
            "AssumedRole",
            "ABC",
            "ROOT",
            "Ro",
            "oT",
            "TruffleHog",
            "aB",
            "x",
            "\\u0041",
            "\u{212A}",
        ];
        let search = NeedleSearch::new(
            needles
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), 1 << i))
                .collect(),
        );
        let all = (1 << needles.len()) - 1;
        let mut lower = Vec::new();
        for round in 0..300 {
            // Records with text between them, which a needle may straddle.
            let mut recs = input::Records::new(Vec::new(), Vec::new(), None);
            for _ in 0..next() % 12 {
                let start = recs.text.len();
                for _ in 0..next() % 12 {
                    let p = pieces[(next() % pieces.len() as u64) as usize];
                    recs.text.extend_from_slice(p.as_bytes());
                }
                if recs.text.len() > start {
                    recs.ranges.push(start..recs.text.len());
                }
                if next() % 2 == 0 {
                    let p = pieces[(next() % pieces.len() as u64) as usize];
                    recs.text.extend_from_slice(p.as_bytes());
                }
            }
            // Searched in two parts, as a sampled file is: its first records, then the rest.
            let n = recs.ranges.len();
            let mut got = vec![0; n];
            let cut = (next() % (n as u64 + 1)) as usize;
            search.search(&recs, 0..cut, all, &mut lower, &mut got);
            search.search(&recs, cut..n, all, &mut lower, &mut got);
            for (i, r) in recs.ranges.iter().enumerate() {
                let text = std::str::from_utf8(&recs.text[r.clone()]).unwrap();
                let lower = text.to_ascii_lowercase();
                let mut want = needles
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| lower.contains(*n))
                    .fold(0, |acc, (i, _)| acc | 1 << i);
                if sigma::NEEDLE_GUARDS.iter().any(|g| text.contains(g)) {
                    want = all;
                }
                assert_eq!(got[i], want, "round {round}, record {i}: {text}");
            }
        }
    }

    #[test]
    fn runs_inside_a_single_thread_rayon_pool_without_deadlock() {
        let dir = logs();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let (_, _, a) = pool.install(|| run(dir.path()));
        assert_eq!(a.lock().unwrap().len(), 90);
    }

    #[test]
    fn a_corrupt_file_is_named_and_the_others_still_feed() {
        let dir = logs();
        std::fs::write(dir.path().join("f05.json.gz"), b"\x1f\x8bnot gzip").unwrap();
        let (all, a) = recorder(Interest::All);
        let mut detectors = vec![all];
        let (_, errors) = hunt_with(
            &[dir.path().to_path_buf()],
            &HuntContext::default(),
            &mut detectors,
            None,
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].file.ends_with("f05.json.gz"), "{errors:?}");
        assert!(errors[0].message.starts_with("bad gzip data"), "{errors:?}");
        assert_eq!(a.lock().unwrap().len(), 87);
    }

    #[test]
    fn sigma_groups_list_the_first_events_and_the_last_and_count_them_all() {
        // Two files of one role's events; times out of order, so the range is not just the
        // first and last event's.
        let record = |i: usize| {
            let t = if i == 7 {
                "2024-01-01T00:00:00Z".to_string()
            } else {
                format!("2024-03-{:02}T00:00:{:02}Z", 1 + i / 60, i % 60)
            };
            format!(
                r#"{{"eventID": "id-{i}", "eventTime": "{t}", "eventName": "N{}",
                "recipientAccountId": "1", "userIdentity": {{"type": "AssumedRole",
                "sessionContext": {{"sessionIssuer": {{"arn": "arn:aws:iam::1:role/r"}}}}}}}}"#,
                i % 3
            )
        };
        let file = |range: std::ops::Range<usize>| {
            let mut g = SigmaGroups::default();
            let raws: Vec<String> = range.clone().map(record).collect();
            for (at, raw) in raws.iter().enumerate() {
                let r = record::Record::index(raw).unwrap();
                let e = Event {
                    record: &r,
                    raw,
                    file: "f",
                    line: at + 1,
                };
                g.add(0, &e, at);
            }
            g.summarize_last(|at| {
                let r = record::Record::index(&raws[at]).ok()?;
                Some(
                    Event {
                        record: &r,
                        raw: &raws[at],
                        file: "f",
                        line: at + 1,
                    }
                    .summary(),
                )
            });
            g
        };
        let mut all = file(0..150);
        all.merge(file(150..260));
        let rule = sigma::SigmaRules::parse_one(
            "title: t\nid: x\nlogsource:\n  product: aws\n  service: cloudtrail\n\
             detection:\n  s:\n    eventName: N\n  condition: s\nlevel: high\n",
            "t.yml",
        )
        .unwrap();
        let f = all.findings(&[rule]);
        assert_eq!(f.len(), 1);
        let ev = f[0].events.as_ref().unwrap();
        let mut want: Vec<String> = (0..99).map(|i| format!("id-{i}")).collect();
        want.push("id-259".into());
        assert_eq!(ev.event_ids, want);
        assert_eq!(ev.event_count, Some(260));
        assert_eq!(ev.first_seen.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(ev.last_seen.as_deref(), Some("2024-03-05T00:00:19Z"));
        assert_eq!(f[0].line, 110, "the last event's record");
        assert!(
            f[0].description.contains("260 events: N0, N1, N2"),
            "{}",
            f[0].description
        );
        assert_eq!(f[0].resource_id, "arn:aws:iam::1:role/r");
    }

    #[test]
    fn damage_in_what_sigma_reads_is_reported_and_matches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let rec = |id: &str, params: &str, response: &str| {
            format!(
                r#"{{"eventID": "{id}", "eventName": "GetObject", "recipientAccountId": "1",
                "userIdentity": {{"type": "AssumedRole", "sessionContext":
                {{"sessionIssuer": {{"type": "Role", "arn": "arn:aws:iam::1:role/r"}}}}}},
                "requestParameters": {params}, "responseElements": {response}}}"#
            )
        };
        let good = r#"{"bucket": {"name": "b"}}"#;
        let records = [
            rec("a", good, "{}"),
            // Invalid where the rule reads.
            rec("b", r#"{"bucket": {"name": "b" "x": 1}}"#, "{}"),
            // Invalid where no rule reads: not looked at.
            rec("c", good, r#"{"k": [1 2]}"#),
        ];
        let log = dir.path().join("log.json");
        std::fs::write(&log, format!(r#"{{"Records": [{}]}}"#, records.join(","))).unwrap();
        // Invalid on the path every match reads for its group: walked with the record, so
        // rejected whole, with serde's account of where.
        let log2 = dir.path().join("log2.json");
        let bad = rec("d", good, "{}").replace(r#""type": "Role""#, r#""type": "Role" 1"#);
        std::fs::write(&log2, format!(r#"{{"Records": [{bad}]}}"#)).unwrap();
        let rule = sigma::SigmaRules::parse_one(
            "title: t\nid: x\nlogsource:\n  product: aws\n  service: cloudtrail\n\
             detection:\n  s:\n    requestParameters.bucket.name: b\n\
             \x20 condition: s\nlevel: high\n",
            "t.yml",
        )
        .unwrap();
        let rules = sigma::SigmaRules {
            rules: vec![rule],
            skipped: Vec::new(),
        };
        let (findings, errors) =
            hunt_with(&[log, log2], &HuntContext::default(), &mut [], Some(&rules));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].file.ends_with("log.json"), "{errors:?}");
        assert_eq!(errors[0].message, "record 2: invalid JSON");
        assert!(errors[1].file.ends_with("log2.json"), "{errors:?}");
        assert!(
            errors[1]
                .message
                .starts_with("record 1: invalid JSON: expected"),
            "{errors:?}"
        );
        assert_eq!(findings.len(), 1);
        let ev = findings[0].events.as_ref().unwrap();
        assert_eq!(ev.event_ids, ["a", "c"]);
    }

    #[test]
    fn needle_search_switched_off_when_most_records_pass_finds_the_same_matches() {
        // A needle rule ("assumedrole") that nine records in ten meet, over more records
        // than a sample, so each loader turns the search off for later files; and one
        // that few meet ("trufflehog"), whose matches must still all be found then.
        let dir = tempfile::tempdir().unwrap();
        let (mut dense, mut rare) = (0, 0);
        for f in 0..24 {
            let recs: Vec<String> = (0..700)
                .map(|i| {
                    let n = f * 700 + i;
                    let kind = if n % 10 == 0 {
                        "IAMUser"
                    } else {
                        "AssumedRole"
                    };
                    dense += usize::from(kind == "AssumedRole");
                    let agent = if n % 997 == 0 {
                        "TruffleHog/3"
                    } else {
                        "aws-cli/2"
                    };
                    rare += usize::from(n % 997 == 0);
                    format!(
                        r#"{{"eventID": "e{n}", "eventName": "Get{}", "userAgent": "{agent}",
                        "recipientAccountId": "1", "userIdentity": {{"type": "{kind}",
                        "arn": "arn:aws:iam::1:user/u"}}}}"#,
                        n % 7
                    )
                })
                .collect();
            let text = format!(r#"{{"Records": [{}]}}"#, recs.join(","));
            std::fs::write(dir.path().join(format!("f{f:02}.json")), text).unwrap();
        }
        let rules = rule_set(vec![
            one_field_rule("dense", "userIdentity.type", "AssumedRole"),
            one_field_rule("rare", "userAgent|contains", "trufflehog"),
        ]);
        assert!(rules.rules.iter().all(|r| r.needles().is_some()));
        let skipped_before = FILES_WITHOUT_NEEDLE_SEARCH.load(std::sync::atomic::Ordering::Relaxed);
        let findings = sigma_findings(dir.path(), &rules);
        let count = |id: &str| {
            findings
                .iter()
                .filter(|f| f.rule_id == format!("SIGMA-{id}"))
                .map(|f| f.events.as_ref().unwrap().event_count.unwrap())
                .sum::<usize>()
        };
        assert!(
            FILES_WITHOUT_NEEDLE_SEARCH.load(std::sync::atomic::Ordering::Relaxed) > skipped_before,
            "some files were read without the search"
        );
        assert_eq!(count("dense"), dense);
        assert_eq!(count("rare"), rare);
    }

    #[test]
    fn needle_sampling_skips_files_after_a_dense_sample_then_samples_again() {
        let mut s = NeedleSampling::default();
        assert!(s.search_next());
        s.searched(NeedleSampling::SAMPLE, NeedleSampling::SAMPLE / 2);
        assert!(s.search_next(), "half passing: the search is worth running");
        s.searched(NeedleSampling::SAMPLE, NeedleSampling::SAMPLE);
        for _ in 0..NeedleSampling::SKIP {
            assert!(!s.search_next());
        }
        assert!(s.search_next(), "a new sample after the skipped files");
    }
}
