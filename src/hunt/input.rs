//! Reading CloudTrail logs: S3-layout directories, `.json`/`.json.gz` files with
//! `{"Records":[...]}`, `aws cloudtrail lookup-events` exports
//! (`{"Events":[{"CloudTrailEvent":"<json>"}]}`), and CloudTrail Lake query results
//! (`aws cloudtrail get-query-results`: `{"QueryResultRows":[[{"eventID":"..."}, ...]]}`).

use std::io::Read;
use std::path::{Path, PathBuf};

/// Every log file under `paths`, sorted (the S3 layout then sorts by account, region, date).
pub fn collect_files(paths: &[PathBuf], errors: &mut Vec<(String, String)>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, errors);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            errors.push((p.display().to_string(), "no such file or directory".into()));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<(String, String)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push((dir.display().to_string(), e.to_string()));
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out, errors);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".json") || name.ends_with(".json.gz") {
                out.push(p);
            }
        }
    }
}

/// The file's text, gunzipped when it is gzip (by magic bytes, not name).
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    decode(bytes)
}

pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(gunzipped_size_hint(&bytes));
        flate2::bufread::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("bad gzip data: {e}"))?;
        out
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Output size to reserve: the gzip trailer's ISIZE (size mod 4 GiB of the last member; exact
/// for the single-member files CloudTrail writes), sanity-checked against the input size.
fn gunzipped_size_hint(gz: &[u8]) -> usize {
    let guess = gz.len().saturating_mul(8);
    let Some(tail) = gz.len().checked_sub(4).map(|at| &gz[at..]) else {
        return guess;
    };
    let isize = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as usize;
    // Deflate expands at most ~1032:1; a smaller ISIZE than the input is a multi-member
    // file or a >4 GiB one: fall back to the guess.
    if isize >= gz.len() && isize / 1032 <= gz.len() {
        isize + 1
    } else {
        guess
    }
}

/// A log file's text and where its records are in it (byte ranges, in order).
pub struct Records {
    pub text: String,
    pub ranges: Vec<std::ops::Range<usize>>,
    /// Set when the file is not CloudTrail or is cut short; records before the damage are kept.
    pub error: Option<String>,
}

impl Records {
    pub fn raw(&self, i: usize) -> &str {
        &self.text[self.ranges[i].clone()]
    }
}

/// Splits a log file into records without parsing them: `{"Records":[...]}` files and
/// `aws cloudtrail lookup-events` output (whose records are JSON strings: their unescaped texts
/// become the new text, one per line).
pub fn split(text: String) -> Records {
    let head = &text.as_bytes()[..text.len().min(4096)];
    let records = memchr::memmem::find(head, b"\"Records\"");
    if let Some(lake) = memchr::memmem::find(head, b"\"QueryResultRows\"")
        && records.is_none_or(|r| lake < r)
    {
        return lake_rows(&text);
    }
    if let Some(pos) = records {
        let (ranges, error) = scan_array(text.as_bytes(), pos + 9);
        return Records {
            text,
            ranges,
            error,
        };
    }
    if memchr::memmem::find(head, b"\"Events\"").is_some() {
        return lookup_events(&text);
    }
    Records {
        text: String::new(),
        ranges: Vec::new(),
        error: Some("not a CloudTrail log (no \"Records\" or \"Events\" array)".into()),
    }
}

/// Raw record texts of a log file, with an error when the file is not CloudTrail or is cut
/// short (records before the damage are still returned).
pub fn split_records(text: &str) -> (Vec<String>, Option<String>) {
    let r = split(String::from(text));
    let raws = (0..r.ranges.len()).map(|i| r.raw(i).to_string()).collect();
    (raws, r.error)
}

/// The array under `key` of a whole-document export, and empty records to fill; or the
/// records carrying why the document is unusable.
fn wrapped(text: &str, key: &str) -> Result<(Vec<serde_json::Value>, Records), Records> {
    let fail = |msg: String| Records {
        text: String::new(),
        ranges: Vec::new(),
        error: Some(msg),
    };
    let mut v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| fail(format!("invalid JSON: {e}")))?;
    match v.get_mut(key).map(serde_json::Value::take) {
        Some(serde_json::Value::Array(items)) => Ok((
            items,
            Records {
                text: String::new(),
                ranges: Vec::new(),
                error: None,
            },
        )),
        _ => Err(fail(format!("\"{key}\" is not an array"))),
    }
}

/// `aws cloudtrail lookup-events` output: each event's record is a JSON string.
fn lookup_events(text: &str) -> Records {
    let (events, mut out) = match wrapped(text, "Events") {
        Ok(v) => v,
        Err(r) => return r,
    };
    for (i, e) in events.iter().enumerate() {
        match e.get("CloudTrailEvent").and_then(|c| c.as_str()) {
            Some(s) => {
                let start = out.text.len();
                out.text.push_str(s);
                out.ranges.push(start..out.text.len());
                out.text.push('\n');
            }
            None => {
                out.error
                    .get_or_insert(format!("event {} has no CloudTrailEvent string", i + 1));
            }
        }
    }
    out
}

/// CloudTrail Lake query results: each row is a list of one-column objects, merged into
/// one record. Column values that are JSON text (e.g. `userIdentity` selected with
/// `json_format`) become nested objects; other values stay strings, so a detection sees
/// exactly the columns the query selected (select `*` or the fields it reads).
fn lake_rows(text: &str) -> Records {
    let (rows, mut out) = match wrapped(text, "QueryResultRows") {
        Ok(v) => v,
        Err(r) => return r,
    };
    for (i, row) in rows.iter().enumerate() {
        let Some(cells) = row.as_array() else {
            out.error
                .get_or_insert(format!("result row {} is not a list of columns", i + 1));
            continue;
        };
        let mut record = serde_json::Map::new();
        for cell in cells {
            let Some(obj) = cell.as_object() else {
                continue;
            };
            for (k, val) in obj {
                let val = match val.as_str() {
                    Some(s) if s.starts_with('{') || s.starts_with('[') => {
                        serde_json::from_str(s).unwrap_or_else(|_| val.clone())
                    }
                    _ => val.clone(),
                };
                record.insert(k.clone(), val);
            }
        }
        if record.is_empty() {
            out.error
                .get_or_insert(format!("result row {} has no columns", i + 1));
            continue;
        }
        let start = out.text.len();
        out.text
            .push_str(&serde_json::Value::Object(record).to_string());
        out.ranges.push(start..out.text.len());
        out.text.push('\n');
    }
    out
}

/// Splits the array whose key ends at `from` into element ranges without parsing them.
/// Only strings and braces are tracked (an object's braces balance whatever arrays it holds);
/// records are validated when parsed.
fn scan_array(b: &[u8], from: usize) -> (Vec<std::ops::Range<usize>>, Option<String>) {
    let mut i = from;
    let mut out = Vec::new();
    while i < b.len() && b[i] != b'[' {
        if !matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b':') {
            return (out, Some("\"Records\" is not an array".into()));
        }
        i += 1;
    }
    i += 1;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b',') {
            i += 1;
        }
        if i >= b.len() {
            let msg = format!("truncated after record {}", out.len());
            return (out, Some(msg));
        }
        match b[i] {
            b']' => return (out, None),
            b'{' => {}
            _ => {
                let msg = format!("record {} is not an object", out.len() + 1);
                return (out, Some(msg));
            }
        }
        match object_end(b, i) {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => {
                let msg = format!("truncated inside record {}", out.len() + 1);
                return (out, Some(msg));
            }
        }
    }
}

/// Byte classes for [`object_end`]: 1 quote, 2 open brace, 3 close brace.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = 1;
    t[b'{' as usize] = 2;
    t[b'}' as usize] = 3;
    t
};

/// One past the `}` closing the object that starts at `b[start] == b'{'`; `None` when the
/// text ends first. Structural bytes outside strings are few bytes apart in CloudTrail's
/// compact JSON (a byte loop); strings are skipped 8 bytes at a time.
fn object_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match CLASS[b[i] as usize] {
            1 => i = string_end(b, i + 1)?,
            2 => depth += 1,
            3 => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the quote closing a string whose content starts at `k` (escapes skipped).
#[inline(always)]
fn string_end(b: &[u8], mut k: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    loop {
        // SWAR: the first byte of the word that is `"` or `\` (the zero-byte test has no
        // false positive below the first real match, and the byte is re-checked below).
        while let Some(word) = b.get(k..k + 8) {
            let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            let q = w ^ (LO * u64::from(b'"'));
            let s = w ^ (LO * u64::from(b'\\'));
            let m = ((q.wrapping_sub(LO) & !q) | (s.wrapping_sub(LO) & !s)) & HI;
            if m != 0 {
                k += (m.trailing_zeros() / 8) as usize;
                break;
            }
            k += 8;
        }
        match *b.get(k)? {
            b'"' => return Some(k),
            b'\\' => k += 2,
            _ => k += 1,
        }
    }
}

/// A top-level string field of a raw record without parsing it (`key` with its quotes,
/// e.g. `"eventName"`). CloudTrail writes `eventName`/`eventSource` before any nested
/// object, so the first occurrence is the record's own.
pub fn peek_str<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    peek_with(raw, &memchr::memmem::Finder::new(key.as_bytes()))
}

/// [`peek_str`] with a prebuilt finder for the quoted key.
pub fn peek_with<'a>(raw: &'a str, key: &memchr::memmem::Finder) -> Option<&'a str> {
    let pos = key.find(raw.as_bytes())?;
    let rest = raw[pos + key.needle().len()..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    (rest.as_bytes()[end] == b'"').then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raws(text: &str) -> (Vec<String>, Option<String>) {
        split_records(text)
    }

    #[test]
    fn splits_records_with_braces_quotes_and_escapes_inside_strings() {
        let text = r#"{"Records": [ {"a":"x{y}\"}\\","b":[{"c":1},[2]]} ,
            {"eventName":"Z"}]}"#;
        let (r, err) = raws(text);
        assert_eq!(err, None);
        assert_eq!(
            r,
            vec![
                r#"{"a":"x{y}\"}\\","b":[{"c":1},[2]]}"#.to_string(),
                r#"{"eventName":"Z"}"#.to_string()
            ]
        );
    }

    #[test]
    fn long_strings_and_escapes_at_every_offset() {
        for pad in 0..20 {
            let filler = "x".repeat(pad);
            let rec = format!(r#"{{"a":"{filler}\"}}{filler}\\","b":"{filler}{{"}}"#);
            let text = format!(r#"{{"Records":[{rec},{rec}]}}"#);
            let (r, err) = raws(&text);
            assert_eq!(err, None, "pad {pad}");
            assert_eq!(r, vec![rec.clone(), rec.clone()], "pad {pad}");
            serde_json::from_str::<serde_json::Value>(&r[0]).unwrap();
        }
    }

    #[test]
    fn truncation_keeps_the_records_before_it() {
        let (r, err) = raws(r#"{"Records":[{"a":1},{"b":"unterminated}"#);
        assert_eq!(r, vec![r#"{"a":1}"#.to_string()]);
        assert_eq!(err.as_deref(), Some("truncated inside record 2"));
        let (r, err) = raws(r#"{"Records":[{"a":"x\"#);
        assert!(r.is_empty());
        assert_eq!(err.as_deref(), Some("truncated inside record 1"));
        let (_, err) = raws(r#"{"Records":[{"a":1},"#);
        assert_eq!(err.as_deref(), Some("truncated after record 1"));
        let (_, err) = raws(r#"{"Records":[{"a":1}, 7]}"#);
        assert_eq!(err.as_deref(), Some("record 2 is not an object"));
        let (_, err) = raws(r#"{"nope":1}"#);
        assert!(err.unwrap().starts_with("not a CloudTrail log"));
    }

    #[test]
    fn lookup_events_records_are_unescaped() {
        let text = r#"{"Events":[{"CloudTrailEvent":"{\"eventName\":\"A\"}"},{"x":1}]}"#;
        let (r, err) = raws(text);
        assert_eq!(r, vec![r#"{"eventName":"A"}"#.to_string()]);
        assert_eq!(
            err.as_deref(),
            Some("event 2 has no CloudTrailEvent string")
        );
    }

    #[test]
    fn lake_query_rows_become_records() {
        let text = r#"{"QueryStatus":"FINISHED","QueryResultRows":[
            [{"eventID":"e1"},{"eventName":"ConsoleLogin"},{"userIdentity":"{\"type\":\"Root\"}"},{"eventTime":"2024-03-01 10:00:00.000"}],
            [{"eventID":"e2"},{"eventName":"StopLogging"},{"requestParameters":"{not json"}],
            "odd", []
        ]}"#;
        let (r, err) = raws(text);
        assert_eq!(r.len(), 2, "{r:?}");
        let first: serde_json::Value = serde_json::from_str(&r[0]).unwrap();
        assert_eq!(first["userIdentity"]["type"], "Root");
        assert_eq!(first["eventName"], "ConsoleLogin");
        let second: serde_json::Value = serde_json::from_str(&r[1]).unwrap();
        assert_eq!(second["requestParameters"], "{not json");
        assert_eq!(
            err.as_deref(),
            Some("result row 3 is not a list of columns")
        );
    }

    #[test]
    fn gzip_is_detected_by_magic_and_sized_from_the_trailer() {
        use std::io::Write;
        let plain = br#"{"Records":[{"eventName":"A"}]}"#.repeat(100);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&plain).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzipped_size_hint(&gz), plain.len() + 1);
        assert_eq!(decode(gz.clone()).unwrap().as_bytes(), &plain[..]);
        // Two members (concatenated gzip) decode whole.
        let two = [gz.clone(), gz].concat();
        assert_eq!(decode(two).unwrap().len(), plain.len() * 2);
        assert!(
            decode(vec![0x1f, 0x8b, 0, 0])
                .unwrap_err()
                .starts_with("bad gzip")
        );
    }

    #[test]
    fn peek_reads_top_level_strings_and_gives_up_on_escapes() {
        let raw = r#"{"eventName" : "GetObject","eventSource":"s3.amazonaws.com","x":"a\"b"}"#;
        assert_eq!(peek_str(raw, "\"eventName\""), Some("GetObject"));
        assert_eq!(peek_str(raw, "\"eventSource\""), Some("s3.amazonaws.com"));
        assert_eq!(peek_str(raw, "\"x\""), None);
        assert_eq!(peek_str(raw, "\"missing\""), None);
    }
}
