//! Reading CloudTrail logs: S3-layout directories, `.json`/`.json.gz` files with
//! `{"Records":[...]}`, and `aws cloudtrail lookup-events` exports
//! (`{"Events":[{"CloudTrailEvent":"<json>"}]}`).

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
        let mut out = Vec::with_capacity(bytes.len() * 8);
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("bad gzip data: {e}"))?;
        out
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Raw record texts of a log file, with an error when the file is not CloudTrail or is cut
/// short (records before the damage are still returned).
pub fn split_records(text: &str) -> (Vec<std::borrow::Cow<'_, str>>, Option<String>) {
    let head = &text[..text.len().min(4096)];
    if let Some(pos) = memchr::memmem::find(head.as_bytes(), b"\"Records\"") {
        let (recs, err) = scan_array(text, pos + 9);
        return (
            recs.into_iter().map(std::borrow::Cow::Borrowed).collect(),
            err,
        );
    }
    if memchr::memmem::find(head.as_bytes(), b"\"Events\"").is_some() {
        return lookup_events(text);
    }
    (
        Vec::new(),
        Some("not a CloudTrail log (no \"Records\" or \"Events\" array)".into()),
    )
}

/// `aws cloudtrail lookup-events` output: each event's record is a JSON string.
fn lookup_events(text: &str) -> (Vec<std::borrow::Cow<'_, str>>, Option<String>) {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (Vec::new(), Some(format!("invalid JSON: {e}"))),
    };
    let Some(events) = v.get("Events").and_then(|e| e.as_array()) else {
        return (Vec::new(), Some("\"Events\" is not an array".into()));
    };
    let mut out = Vec::new();
    let mut err = None;
    for (i, e) in events.iter().enumerate() {
        match e.get("CloudTrailEvent").and_then(|c| c.as_str()) {
            Some(s) => out.push(std::borrow::Cow::Owned(s.to_string())),
            None => {
                err.get_or_insert(format!("event {} has no CloudTrailEvent string", i + 1));
            }
        }
    }
    (out, err)
}

/// Splits the array whose key ends at `from` into element slices without parsing them.
fn scan_array(text: &str, from: usize) -> (Vec<&str>, Option<String>) {
    let b = text.as_bytes();
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
            {
                let msg = format!("truncated after record {}", out.len());
                return (out, Some(msg));
            }
        }
        match b[i] {
            b']' => return (out, None),
            b'{' => {}
            _ => {
                let msg = format!("record {} is not an object", out.len() + 1);
                return (out, Some(msg));
            }
        }
        let start = i;
        let mut depth = 0usize;
        let mut in_str = false;
        while i < b.len() {
            let c = b[i];
            if in_str {
                match c {
                    b'\\' => i += 1,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        if depth != 0 || i > b.len() {
            {
                let msg = format!("truncated inside record {}", out.len() + 1);
                return (out, Some(msg));
            }
        }
        out.push(&text[start..i]);
    }
}

/// A top-level string field of a raw record without parsing it (`key` with its quotes,
/// e.g. `"eventName"`). CloudTrail writes `eventName`/`eventSource` before any nested
/// object, so the first occurrence is the record's own.
pub fn peek_str<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    let pos = memchr::memmem::find(raw.as_bytes(), key.as_bytes())?;
    let rest = raw[pos + key.len()..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    (rest.as_bytes()[end] == b'"').then(|| &rest[..end])
}
