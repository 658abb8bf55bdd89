//! A small JSON parser that keeps spans and rejects duplicate keys
//! (serde_json keeps neither).

use super::node::{Entry, Kind, LoadError, MAX_DEPTH, Node};
use std::collections::HashSet;

struct P<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    line: usize,
    line_start: usize,
}

impl<'a> P<'a> {
    fn col(&self) -> usize {
        // Columns count characters, not bytes.
        self.src[self.line_start..self.i].chars().count() + 1
    }

    fn err(&self, msg: impl Into<String>) -> LoadError {
        LoadError::at(self.line, self.col(), msg)
    }

    fn ws(&mut self) {
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => break,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, LoadError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.ws();
        let (line, col) = (self.line, self.col());
        let Some(&c) = self.s.get(self.i) else {
            return Err(self.err("unexpected end of input"));
        };
        let kind = match c {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                let mut seen = HashSet::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let (kl, kc) = (self.line, self.col());
                        if self.s.get(self.i) != Some(&b'"') {
                            return Err(self.err("expected a string key"));
                        }
                        let key = self.string()?;
                        if !seen.insert(key.clone()) {
                            return Err(LoadError::at(kl, kc, format!("duplicate key '{key}'")));
                        }
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return Err(self.err("expected ':'"));
                        }
                        self.i += 1;
                        let value = self.value(depth + 1)?;
                        entries.push(Entry {
                            key,
                            key_line: kl,
                            key_col: kc,
                            value,
                        });
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.err("expected ',' or '}'")),
                        }
                    }
                }
                Kind::Map(entries)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.err("expected ',' or ']'")),
                        }
                    }
                }
                Kind::Seq(items)
            }
            b'"' => Kind::Str(self.string()?),
            b't' if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Kind::Bool(true)
            }
            b'f' if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Kind::Bool(false)
            }
            b'n' if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Kind::Null
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while let Some(&c) = self.s.get(self.i) {
                    if c.is_ascii_digit() || b"+-.eE".contains(&c) {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let text = &self.src[start..self.i];
                if text.parse::<f64>().is_err() {
                    return Err(LoadError::at(line, col, "invalid number"));
                }
                Kind::Number(text.to_string())
            }
            _ => return Err(self.err("unexpected character")),
        };
        Ok(Node::new(kind, line, col))
    }

    fn string(&mut self) -> Result<String, LoadError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&c) = self.s.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.src[start..self.i]);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let cp = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&cp) {
                                if self.s.get(self.i) == Some(&b'\\')
                                    && self.s.get(self.i + 1) == Some(&b'u')
                                {
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    char::from_u32(
                                        0x10000
                                            + ((cp - 0xD800) << 10)
                                            + (lo.wrapping_sub(0xDC00) & 0x3FF),
                                    )
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(cp)
                            };
                            out.push(ch.unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err("invalid escape in string")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, LoadError> {
        let h = self
            .src
            .get(self.i..self.i + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(h)
    }
}

pub fn parse(src: &str) -> Result<Node, LoadError> {
    let src_trim = src.strip_prefix('\u{feff}').unwrap_or(src);
    let offset = src.len() - src_trim.len();
    let mut p = P {
        s: src.as_bytes(),
        src,
        i: offset,
        line: 1,
        line_start: offset,
    };
    p.ws();
    if p.i >= p.s.len() {
        return Err(LoadError::whole("empty file: no JSON value"));
    }
    let node = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_values() {
        let n = parse("{\n  \"a\": {\"b\": [1, \"x\", true, null]}\n}").unwrap();
        let b = n.get_path(&["a", "b"]).unwrap();
        assert_eq!((b.line, b.col), (2, 14));
        assert_eq!(b.as_seq().unwrap()[1].as_str(), Some("x"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("{\n\"a\": 1,\n\"a\": 2}").unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = parse("{\n\"a\": 1,\n}").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(parse("").is_err());
        assert!(parse(&"[".repeat(100_000)).is_err());
        assert!(parse("\"abc").is_err());
    }

    #[test]
    fn escapes() {
        let n = parse(r#"{"k": "a\"b\u00e9\ud83d\ude00"}"#).unwrap();
        assert_eq!(n.get("k").unwrap().as_str(), Some("a\"bé😀"));
    }
}
