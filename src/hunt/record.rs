//! A CloudTrail record whose top-level fields are indexed, not parsed: each field's value
//! is parsed the first time a detection reads it. Most detections read a few small
//! fields (`eventName`, `userIdentity`, `sourceIPAddress`), so the big `requestParameters`
//! and `responseElements` of most records are never turned into trees.

use serde::de::{self, Deserializer as _, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::ops::Range;

/// Top-level fields by byte range in the record's text (which callers keep and pass back).
#[derive(Debug)]
pub struct Record {
    fields: Vec<Field>,
    /// Member tables of the nested objects read so far (`userIdentity` and its
    /// `sessionContext` are read many times per record): each object's start offset and
    /// its slice of `members`, or `None` when it could not be read.
    objects: RefCell<Vec<(usize, Option<Range<usize>>)>>,
    members: RefCell<Vec<(Key, Range<usize>)>>,
}

#[derive(Debug)]
struct Field {
    key: Key,
    value: Range<usize>,
    parsed: OnceCell<Value>,
}

#[derive(Debug)]
enum Key {
    /// Where the key's text is in the record (no escapes).
    At(Range<usize>),
    /// A key with escapes, unescaped.
    Owned(Box<str>),
}

impl Record {
    /// Indexes the object `raw`; the whole text is checked to be valid JSON.
    pub fn index(raw: &str) -> Result<Record, String> {
        if raw.trim_start().as_bytes().first() != Some(&b'{') {
            return Err("not an object".into());
        }
        let mut de = serde_json::Deserializer::from_str(raw);
        let fields = de
            .deserialize_map(Indexer { base: raw })
            .and_then(|f| de.end().map(|()| f))
            .map_err(|e| format!("invalid JSON: {e}"))?;
        Ok(Record {
            fields,
            objects: RefCell::new(Vec::new()),
            members: RefCell::new(Vec::new()),
        })
    }

    /// The value of top-level field `key` (the last one when a key repeats), parsed on
    /// first use. `raw` must be the text this record was indexed from.
    pub fn get<'a>(&'a self, raw: &str, key: &str) -> Option<&'a Value> {
        let f = self
            .fields
            .iter()
            .rev()
            .find(|f| key_is(&f.key, raw, key))?;
        Some(f.parsed.get_or_init(|| {
            // Valid JSON: `index` checked the whole text.
            raw.get(f.value.clone())
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or(Value::Null)
        }))
    }
}

/// What a dotted path reaches, read from the raw text without building trees.
#[derive(Debug, PartialEq)]
pub enum Leaf<'a> {
    /// A key is absent, or a step is a string, number, bool or null.
    Missing,
    Null,
    Bool(bool),
    /// A string without escapes, borrowed from the text.
    Str(&'a str),
    /// Anything else (an array anywhere on the path, an object, a number, an escaped
    /// string): the caller reads it through [`Record::get`].
    Other,
}

impl Record {
    /// The leaf at `path` (top-level key first), for the common case of a plain string
    /// or scalar under objects only.
    pub fn leaf<'a>(&self, raw: &'a str, path: &[&str]) -> Leaf<'a> {
        let Some((first, rest)) = path.split_first() else {
            return Leaf::Other;
        };
        let Some(f) = self
            .fields
            .iter()
            .rev()
            .find(|f| key_is(&f.key, raw, first))
        else {
            return Leaf::Missing;
        };
        let mut at = f.value.clone();
        for key in rest {
            match raw.as_bytes().get(at.start) {
                Some(b'{') => match self.member(raw, &at, key) {
                    Some(Some(v)) => at = v,
                    Some(None) => return Leaf::Missing,
                    None => return Leaf::Other,
                },
                Some(b'[') => return Leaf::Other,
                _ => return Leaf::Missing,
            }
        }
        let text = &raw[at];
        match text.as_bytes() {
            [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => {
                Leaf::Str(&text[1..text.len() - 1])
            }
            b"null" => Leaf::Null,
            b"true" => Leaf::Bool(true),
            b"false" => Leaf::Bool(false),
            _ => Leaf::Other,
        }
    }
}

impl Record {
    /// The value of `key` in the object at `raw[at]` (the last one when it repeats), from
    /// its member table (built on first use); `None` when the object cannot be read.
    fn member(&self, raw: &str, at: &Range<usize>, key: &str) -> Option<Option<Range<usize>>> {
        let mut objects = self.objects.borrow_mut();
        let slice = match objects.iter().find(|(start, _)| *start == at.start) {
            Some((_, slice)) => slice.clone(),
            None => {
                let mut members = self.members.borrow_mut();
                let from = members.len();
                let slice = match read_members(raw, at.clone(), &mut members) {
                    Some(()) => Some(from..members.len()),
                    None => {
                        members.truncate(from);
                        None
                    }
                };
                objects.push((at.start, slice.clone()));
                slice
            }
        }?;
        let members = self.members.borrow();
        Some(
            members[slice]
                .iter()
                .rev()
                .find(|(k, _)| key_is(k, raw, key))
                .map(|(_, v)| v.clone()),
        )
    }
}

fn key_is(k: &Key, raw: &str, key: &str) -> bool {
    match k {
        Key::At(r) => raw.as_bytes().get(r.clone()) == Some(key.as_bytes()),
        Key::Owned(k) => &**k == key,
    }
}

/// Appends the members of the object at `raw[at]` (none when it is not an object) to
/// `out`; `None` when it cannot be read.
fn read_members(raw: &str, at: Range<usize>, out: &mut Vec<(Key, Range<usize>)>) -> Option<()> {
    let text = raw.get(at.clone())?;
    if !text.starts_with('{') {
        return Some(());
    }
    let b = text.as_bytes();
    let mut i = skip_ws(b, 1);
    if b.get(i) == Some(&b'}') {
        return Some(());
    }
    loop {
        let key_end = skip_string(b, i)?;
        let k = text.get(i + 1..key_end - 1)?;
        let key = if k.contains('\\') {
            Key::Owned(
                serde_json::from_str::<String>(&text[i..key_end])
                    .ok()?
                    .into(),
            )
        } else {
            Key::At(at.start + i + 1..at.start + key_end - 1)
        };
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let end = skip_value(b, start)?;
        out.push((key, at.start + start..at.start + end));
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// The index after the string whose opening quote is at `i`.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        let rest = b.get(j..)?;
        // Most strings are short: a plain look at a few bytes beats a vector search.
        let k = match rest.iter().take(32).position(|&c| c == b'"' || c == b'\\') {
            Some(k) => k,
            None if rest.len() <= 32 => return None,
            None => 32 + memchr::memchr2(b'"', b'\\', &rest[32..])?,
        };
        if rest[k] == b'"' {
            return Some(j + k + 1);
        }
        j += k + 2;
    }
}

/// The index after the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let n = b
                .get(i..)?
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
                .unwrap_or(b.len() - i);
            Some(i + n)
        }
    }
}

/// Collects the fields of the top-level object, borrowing from `base`.
struct Indexer<'r> {
    base: &'r str,
}

impl Indexer<'_> {
    fn at(&self, s: &str) -> Range<usize> {
        let start = s.as_ptr() as usize - self.base.as_ptr() as usize;
        start..start + s.len()
    }
}

impl<'de> Visitor<'de> for Indexer<'_> {
    type Value = Vec<Field>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a CloudTrail record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Field>, A::Error> {
        let mut fields = Vec::with_capacity(24);
        while let Some(KeyText(k)) = map.next_key()? {
            let v: &RawValue = map.next_value()?;
            let key = match k {
                Cow::Borrowed(s) => Key::At(self.at(s)),
                Cow::Owned(s) => Key::Owned(s.into()),
            };
            fields.push(Field {
                key,
                value: self.at(v.get()),
                parsed: OnceCell::new(),
            });
        }
        Ok(fields)
    }
}

/// A key borrowed from the text when it has no escapes.
struct KeyText<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_on_demand_with_escaped_and_repeated_keys() {
        let raw = r#" {"a": {"b": [1, "x"]}, "e\u0073c": "yes", "n": null, "d": 1, "d": 2} "#;
        let r = Record::index(raw).unwrap();
        assert_eq!(r.get(raw, "a"), Some(&serde_json::json!({"b": [1, "x"]})));
        assert_eq!(r.get(raw, "esc"), Some(&Value::from("yes")));
        assert_eq!(r.get(raw, "n"), Some(&Value::Null));
        assert_eq!(r.get(raw, "d"), Some(&Value::from(2)));
        assert_eq!(r.get(raw, "missing"), None);
        // Same answer from the cache.
        assert_eq!(r.get(raw, "a"), r.get(raw, "a"));
    }

    #[test]
    fn leaves_are_read_from_the_text() {
        let raw = r#"{"u": {"t": "Role", "s": {"i": {"type": "R\u006fle", "n": null, "b": true}},
            "a": [{"t": "x"}], "num": 5, "t": "Last"}, "top": "v"}"#;
        let r = Record::index(raw).unwrap();
        assert_eq!(r.leaf(raw, &["top"]), Leaf::Str("v"));
        assert_eq!(
            r.leaf(raw, &["u", "t"]),
            Leaf::Str("Last"),
            "last repeat wins"
        );
        assert_eq!(r.leaf(raw, &["u", "s", "i", "n"]), Leaf::Null);
        assert_eq!(r.leaf(raw, &["u", "s", "i", "b"]), Leaf::Bool(true));
        assert_eq!(
            r.leaf(raw, &["u", "s", "i", "type"]),
            Leaf::Other,
            "escaped"
        );
        assert_eq!(
            r.leaf(raw, &["u", "a", "t"]),
            Leaf::Other,
            "array on the path"
        );
        assert_eq!(r.leaf(raw, &["u", "num"]), Leaf::Other);
        assert_eq!(r.leaf(raw, &["u", "s"]), Leaf::Other, "object");
        assert_eq!(r.leaf(raw, &["u", "zz"]), Leaf::Missing);
        assert_eq!(
            r.leaf(raw, &["top", "x"]),
            Leaf::Missing,
            "through a string"
        );
        assert_eq!(r.leaf(raw, &["nope", "x"]), Leaf::Missing);
    }

    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    fn random_value(rng: &mut u64, depth: u32) -> Value {
        let pieces = ["a", "\"", "\\", "{", "}", "[", "]", ",", ":", "é", " "];
        match next(rng) % if depth > 3 { 4 } else { 6 } {
            0 => Value::Null,
            1 => Value::from(next(rng).is_multiple_of(3)),
            2 => Value::from((next(rng) % 2000) as f64 / 8.0 - 100.0),
            3 => Value::from(
                (0..next(rng) % 6)
                    .map(|_| pieces[(next(rng) % pieces.len() as u64) as usize])
                    .collect::<String>(),
            ),
            4 => Value::Array(
                (0..next(rng) % 4)
                    .map(|_| random_value(rng, depth + 1))
                    .collect(),
            ),
            _ => random_object(rng, depth + 1),
        }
    }

    fn random_object(rng: &mut u64, depth: u32) -> Value {
        let keys = ["k", "k\"q", "k\\b", "t", "type", "é"];
        let mut m = serde_json::Map::new();
        for _ in 0..next(rng) % 6 {
            let k = keys[(next(rng) % keys.len() as u64) as usize];
            m.insert(k.to_string(), random_value(rng, depth));
        }
        Value::Object(m)
    }

    #[test]
    fn member_tables_agree_with_the_parser() {
        let mut rng = 0x853c_49e6_748f_ea9bu64;
        let keys = ["k", "k\"q", "k\\b", "t", "type", "é", "missing"];
        for _ in 0..3000 {
            let v = random_object(&mut rng, 0);
            for text in [v.to_string(), serde_json::to_string_pretty(&v).unwrap()] {
                // Two objects deep, so lookups go through two cached member tables.
                let raw = format!("{{\"r\": {{\"s\": {text}, \"x\": 1}}}}");
                let r = Record::index(&raw).unwrap();
                for _ in 0..2 {
                    for key in keys {
                        let want = match v.get(key) {
                            None => Leaf::Missing,
                            Some(Value::Null) => Leaf::Null,
                            Some(Value::Bool(b)) => Leaf::Bool(*b),
                            // Strings with escapes go the slow way.
                            Some(Value::String(s)) if !s.contains(['"', '\\']) => Leaf::Str(s),
                            Some(_) => Leaf::Other,
                        };
                        assert_eq!(r.leaf(&raw, &["r", "s", key]), want, "{key} in {raw}");
                    }
                }
                assert_eq!(r.leaf(&raw, &["r", "x", "k"]), Leaf::Missing);
            }
        }
    }

    #[test]
    fn invalid_text_is_an_error_anywhere_in_the_record() {
        for bad in [
            "[1]",
            "\"s\"",
            "{\"a\": tru}",
            "{\"a\": 1,}",
            "{\"a\": {\"b\": [1,]}}",
            "{\"a\": 1} x",
        ] {
            assert!(Record::index(bad).is_err(), "{bad}");
        }
        assert_eq!(Record::index("[1]").unwrap_err(), "not an object");
    }
}
