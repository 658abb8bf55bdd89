//! Reading CloudTrail logs: S3-layout directories, `.json`/`.json.gz` files with
//! `{"Records":[...]}`, `aws cloudtrail lookup-events` exports
//! (`{"Events":[{"CloudTrailEvent":"<json>"}]}`), and CloudTrail Lake query results
//! (`aws cloudtrail get-query-results`: `{"QueryResultRows":[[{"eventID":"..."}, ...]]}`).

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

/// The file's bytes, gunzipped when it is gzip (by magic bytes, not name); `buf` (its
/// capacity) is reused for the gunzipped text. Text is not checked for UTF-8 here: only the
/// records that get parsed are.
pub fn read_text(path: &Path, buf: Vec<u8>) -> Result<Vec<u8>, String> {
    use std::io::Read;
    COMPRESSED.with_borrow_mut(|gz| {
        gz.clear();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(gz))
            .map_err(|e| e.to_string())?;
        if gz.starts_with(&[0x1f, 0x8b]) {
            gunzip(gz, buf)
        } else {
            Ok(std::mem::take(gz))
        }
    })
}

thread_local! {
    /// Per-thread buffers kept across files: fresh big allocations would have the kernel
    /// fault in and zero new pages for every file.
    static COMPRESSED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    static RANGES: std::cell::Cell<Vec<std::ops::Range<usize>>> = const { std::cell::Cell::new(Vec::new()) };
}

pub fn decode(bytes: Vec<u8>, buf: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        gunzip(&bytes, buf)
    } else {
        Ok(bytes)
    }
}

/// Inflates every gzip member of `gz` into `out` (cleared; grown only when its capacity is
/// short), writing into spare capacity so no output byte is zeroed first. zlib checks each
/// member's CRC and length.
pub fn gunzip(gz: &[u8], mut out: Vec<u8>) -> Result<Vec<u8>, String> {
    use flate2::{Decompress, FlushDecompress, Status};
    let bad = |m: &str| format!("bad gzip data: {m}");
    out.clear();
    let hint = gunzipped_size_hint(gz);
    if out.capacity() < hint {
        // Not `reserve`: its realloc would copy the old allocation's bytes. At least
        // TEXT_CAPACITY: only the pages written are ever faulted in (and zeroed, slow on a
        // VM whose host backs memory lazily), so one big buffer kept for every file costs
        // what its biggest file writes, where one regrown for each new biggest file had
        // fresh pages zeroed each time.
        out = Vec::with_capacity(hint.saturating_add(hint / 8).max(TEXT_CAPACITY));
    }
    let mut input = gz;
    let mut inflater = Decompress::new_gzip(15);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(1 << 16));
        }
        let (in0, out0) = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|e| bad(e.message().unwrap_or("corrupt deflate stream")))?;
        input = &input[(inflater.total_in() - in0) as usize..];
        match status {
            Status::StreamEnd if input.is_empty() => return Ok(out),
            Status::StreamEnd if input.starts_with(&[0x1f, 0x8b]) => {
                inflater = Decompress::new_gzip(15);
            }
            Status::StreamEnd => return Err(bad("trailing bytes after the last member")),
            _ if input.is_empty() && inflater.total_out() == out0 => {
                return Err(bad("unexpected end of file"));
            }
            _ => {}
        }
    }
}

/// The least capacity of a text buffer (address space, not memory: see [`gunzip`]).
const TEXT_CAPACITY: usize = 16 << 20;

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
    pub text: Vec<u8>,
    pub ranges: Vec<std::ops::Range<usize>>,
    /// Set when the file is not CloudTrail or is cut short; records before the damage are kept.
    pub error: Option<String>,
    /// The whole text is ASCII (checked once per file, so records need no UTF-8 check).
    ascii: bool,
}

impl Records {
    pub fn new(
        text: Vec<u8>,
        ranges: Vec<std::ops::Range<usize>>,
        error: Option<String>,
    ) -> Records {
        Records {
            text,
            ranges,
            error,
            ascii: false,
        }
    }

    pub fn raw(&self, i: usize) -> &[u8] {
        &self.text[self.ranges[i].clone()]
    }

    /// Record `i` as text; `None` when it is not UTF-8.
    pub fn text_of(&self, i: usize) -> Option<&str> {
        let raw = self.raw(i);
        if self.ascii {
            // SAFETY: `ascii` is set only where the whole text was found to be ASCII, which
            // is UTF-8 however it is sliced.
            Some(unsafe { std::str::from_utf8_unchecked(raw) })
        } else {
            std::str::from_utf8(raw).ok()
        }
    }

    /// The text, keeping the ranges' allocation for this thread's next [`split`].
    pub fn into_text(mut self) -> Vec<u8> {
        self.ranges.clear();
        RANGES.set(self.ranges);
        self.text
    }
}

/// Splits a log file into records without parsing them: `{"Records":[...]}` files and
/// `aws cloudtrail lookup-events` output (whose records are JSON strings: their unescaped texts
/// become the new text, one per line).
pub fn split(text: Vec<u8>) -> Records {
    let head = &text[..text.len().min(4096)];
    let records = memchr::memmem::find(head, b"\"Records\"");
    if let Some(lake) = memchr::memmem::find(head, b"\"QueryResultRows\"")
        && records.is_none_or(|r| lake < r)
    {
        return lake_rows(&text);
    }
    if let Some(pos) = records {
        let mut high = 0;
        let (ranges, error) = scan_array(&text, pos + 9, &mut high);
        // Found by the splitter's pass, so records need no UTF-8 check of their own.
        let ascii = high == 0;
        return Records {
            text,
            ranges,
            error,
            ascii,
        };
    }
    if memchr::memmem::find(head, b"\"Events\"").is_some() {
        return lookup_events(&text);
    }
    Records::new(
        Vec::new(),
        Vec::new(),
        Some("not a CloudTrail log (no \"Records\" or \"Events\" array)".into()),
    )
}

/// Raw record texts of a log file, with an error when the file is not CloudTrail or is cut
/// short (records before the damage are still returned).
pub fn split_records(text: &str) -> (Vec<String>, Option<String>) {
    let r = split(Vec::from(text));
    let raws = (0..r.ranges.len())
        .map(|i| String::from_utf8_lossy(r.raw(i)).into_owned())
        .collect();
    (raws, r.error)
}

/// The array under `key` of a whole-document export, and empty records to fill; or the
/// records carrying why the document is unusable.
fn wrapped(text: &[u8], key: &str) -> Result<(Vec<serde_json::Value>, Records), Records> {
    let fail = |msg: String| Records::new(Vec::new(), Vec::new(), Some(msg));
    let mut v: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| fail(format!("invalid JSON: {e}")))?;
    match v.get_mut(key).map(serde_json::Value::take) {
        Some(serde_json::Value::Array(items)) => {
            Ok((items, Records::new(Vec::new(), Vec::new(), None)))
        }
        _ => Err(fail(format!("\"{key}\" is not an array"))),
    }
}

/// `aws cloudtrail lookup-events` output: each event's record is a JSON string.
fn lookup_events(text: &[u8]) -> Records {
    let (events, mut out) = match wrapped(text, "Events") {
        Ok(v) => v,
        Err(r) => return r,
    };
    for (i, e) in events.iter().enumerate() {
        match e.get("CloudTrailEvent").and_then(|c| c.as_str()) {
            Some(s) => {
                let start = out.text.len();
                out.text.extend_from_slice(s.as_bytes());
                out.ranges.push(start..out.text.len());
                out.text.push(b'\n');
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
fn lake_rows(text: &[u8]) -> Records {
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
            .extend_from_slice(serde_json::Value::Object(record).to_string().as_bytes());
        out.ranges.push(start..out.text.len());
        out.text.push(b'\n');
    }
    out
}

/// Splits the array whose key ends at `from` into element ranges without parsing them.
/// Only strings and braces are tracked (an object's braces balance whatever arrays it holds);
/// records are validated when parsed.
/// `high` is or-ed with a value other than 0 when a byte of the array has the high bit
/// set (stays 0 when the array is ASCII).
fn scan_array(
    b: &[u8],
    from: usize,
    high: &mut u64,
) -> (Vec<std::ops::Range<usize>>, Option<String>) {
    let mut i = from;
    while i < b.len() && b[i] != b'[' {
        if !matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b':') {
            return (Vec::new(), Some("\"Records\" is not an array".into()));
        }
        i += 1;
    }
    split_blocks(b, i + 1, high)
}

fn is_gap(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b',')
}

/// Whether this CPU runs the [`Avx2`] kernel: AVX2 and carry-less multiply for the masks,
/// POPCNT and BMI1 for counting and scanning their bits (without them, `count_ones` is a
/// dozen instructions).
#[cfg(target_arch = "x86_64")]
pub(super) fn avx2_kernel() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("pclmulqdq")
        && std::arch::is_x86_feature_detected!("popcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
}

/// Whether this CPU runs the [`Avx512`] kernel: [`avx2_kernel`]'s features and AVX-512BW,
/// whose byte comparisons give a 64-byte block's masks in one instruction each.
#[cfg(target_arch = "x86_64")]
pub(super) fn avx512_kernel() -> bool {
    avx2_kernel()
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
}

/// The elements of an array whose content starts at `from`, 64 bytes at a time: each block
/// becomes bit masks of its quotes, backslashes and braces, strings are masked out with a
/// prefix XOR over the unescaped quotes (as simdjson does), and only the braces left are
/// visited. Between elements only whitespace and commas may appear. Uses AVX2 and
/// carry-less multiplication where the CPU has them.
/// Each block's [`Masks::high`] is or-ed into `high`.
fn split_blocks(
    b: &[u8],
    from: usize,
    high: &mut u64,
) -> (Vec<std::ops::Range<usize>>, Option<String>) {
    let out = RANGES.take();
    #[cfg(target_arch = "x86_64")]
    if avx512_kernel() {
        // SAFETY: the features were just detected.
        return unsafe { split_avx512(b, from, out, high) };
    }
    #[cfg(target_arch = "x86_64")]
    if avx2_kernel() {
        // SAFETY: the features were just detected.
        return unsafe { split_avx2(b, from, out, high) };
    }
    #[cfg(target_arch = "x86_64")]
    return split_with::<Sse2>(b, from, out, high);
    #[cfg(not(target_arch = "x86_64"))]
    split_with::<Portable>(b, from, out, high)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
fn split_avx2(b: &[u8], from: usize, out: Ranges, high: &mut u64) -> (Ranges, Option<String>) {
    split_with::<Avx2>(b, from, out, high)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2,pclmulqdq,popcnt,bmi1")]
fn split_avx512(b: &[u8], from: usize, out: Ranges, high: &mut u64) -> (Ranges, Option<String>) {
    split_with::<Avx512>(b, from, out, high)
}

#[inline(always)]
fn split_with<K: Kernel>(
    b: &[u8],
    from: usize,
    mut out: Ranges,
    high: &mut u64,
) -> (Ranges, Option<String>) {
    out.clear();
    // Kept in a register: a store per block through `high` was a tenth of the splitter.
    let mut any_high = 0u64;
    let mut depth = 0usize;
    let mut start = 0usize;
    // Where the text between elements (to be checked) begins.
    let mut gap = from;
    let mut in_string = 0u64; // all ones when the previous block ended inside a string
    let mut escape_carry = 0u64;
    let not_object = |n: usize| Some(format!("record {n} is not an object"));
    let result = 'scan: {
        let mut base = from;
        let mut pad = [b' '; 64];
        while base < b.len() {
            let block = block_at(b, base, &mut pad);
            let m = K::classify::<false>(block);
            any_high |= m.high;
            let escaped = if m.backslash == 0 && escape_carry == 0 {
                0
            } else {
                escaped_bits(m.backslash, &mut escape_carry)
            };
            let strings = K::prefix_xor(m.quote & !escaped) ^ in_string;
            in_string = 0u64.wrapping_sub(strings >> 63);
            // Inside a record, a block whose closing braces cannot bring the depth to zero
            // goes by its brace counts (most blocks: a record ends in one of its ~20).
            let opens = m.open & !strings;
            let closes = m.structural & !m.open & !m.bracket & !strings;
            if depth > closes.count_ones() as usize {
                depth = depth + opens.count_ones() as usize - closes.count_ones() as usize;
                base += 64;
                continue;
            }
            let mut bits = m.structural & !strings;
            while bits != 0 {
                let at = base + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                match b[at] {
                    b'{' => {
                        if depth == 0 {
                            if !b[gap..at].iter().all(|&c| is_gap(c)) {
                                let n = out.len() + 1;
                                break 'scan (out, not_object(n));
                            }
                            start = at;
                        }
                        depth += 1;
                    }
                    b'}' => {
                        if depth == 0 {
                            let n = out.len() + 1;
                            break 'scan (out, not_object(n));
                        }
                        depth -= 1;
                        if depth == 0 {
                            out.push(start..at + 1);
                            gap = at + 1;
                        }
                    }
                    _ if depth == 0 => {
                        // `]`: the end of the array.
                        if !b[gap..at].iter().all(|&c| is_gap(c)) {
                            let n = out.len() + 1;
                            break 'scan (out, not_object(n));
                        }
                        break 'scan (out, None);
                    }
                    _ => {}
                }
            }
            base += 64;
        }
        let error = if depth > 0 {
            format!("truncated inside record {}", out.len() + 1)
        } else if !b[gap.min(b.len())..].iter().all(|&c| is_gap(c)) {
            format!("record {} is not an object", out.len() + 1)
        } else {
            format!("truncated after record {}", out.len())
        };
        (out, Some(error))
    };
    *high |= any_high;
    result
}

type Ranges = Vec<std::ops::Range<usize>>;

/// The 64 bytes of `b` from `base` (`base < b.len()`), the last block padded with spaces
/// in `pad`.
#[inline(always)]
pub(super) fn block_at<'a>(b: &'a [u8], base: usize, pad: &'a mut [u8; 64]) -> &'a [u8; 64] {
    match b
        .get(base..base + 64)
        .and_then(|x| <&[u8; 64]>::try_from(x).ok())
    {
        Some(x) => x,
        None => {
            let rest = b.get(base..).unwrap_or_default();
            pad[..rest.len()].copy_from_slice(rest);
            pad[rest.len()..].fill(b' ');
            pad
        }
    }
}

/// Bit masks of one 64-byte block (bit i: byte i is that character; `structural`: one of
/// `{`, `}`, `]`, and with `ALL` also `[`; `open`: `{`, and with `ALL` also `[`;
/// `bracket`: without `ALL`, `]`).
pub(super) struct Masks {
    pub quote: u64,
    pub backslash: u64,
    pub structural: u64,
    pub open: u64,
    pub bracket: u64,
    /// Not 0 when a byte has the high bit set (not ASCII).
    pub high: u64,
}

/// The token masks of one 64-byte block, for walks that step from token to token.
pub(super) struct TokenMasks {
    pub quote: u64,
    /// `{`, `[`, `}`, `]`, `:` or `,`.
    pub structural: u64,
    /// `{` or `[`.
    pub open: u64,
    /// `}` or `]`.
    pub close: u64,
    /// A backslash or a byte below 0x20 (what those walks leave to the byte-by-byte ones).
    pub unusual: u64,
}

/// How blocks become masks on one kind of CPU.
pub(super) trait Kernel {
    fn classify<const ALL: bool>(block: &[u8; 64]) -> Masks;
    fn tokens(block: &[u8; 64]) -> TokenMasks;
    /// Bit i = XOR of bits 0..=i: set inside strings (from the opening quote, up to but
    /// not including the closing one).
    fn prefix_xor(x: u64) -> u64;
}

/// Any CPU.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(super) struct Portable;

impl Kernel for Portable {
    fn classify<const ALL: bool>(block: &[u8; 64]) -> Masks {
        let mask = |c: u8| {
            block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &x)| m | (u64::from(x == c) << i))
        };
        Masks {
            quote: mask(b'"'),
            backslash: mask(b'\\'),
            structural: mask(b'{') | mask(b'}') | mask(b']') | if ALL { mask(b'[') } else { 0 },
            open: mask(b'{') | if ALL { mask(b'[') } else { 0 },
            bracket: if ALL { 0 } else { mask(b']') },
            high: u64::from(!block.is_ascii()),
        }
    }

    fn tokens(block: &[u8; 64]) -> TokenMasks {
        let mask = |f: &dyn Fn(u8) -> bool| {
            block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &x)| m | (u64::from(f(x)) << i))
        };
        TokenMasks {
            quote: mask(&|c| c == b'"'),
            structural: mask(&|c| b"{}[]:,".contains(&c)),
            open: mask(&|c| c == b'{' || c == b'['),
            close: mask(&|c| c == b'}' || c == b']'),
            unusual: mask(&|c| c == b'\\' || c < 0x20),
        }
    }

    fn prefix_xor(mut x: u64) -> u64 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        x
    }
}

/// The x86_64 baseline.
#[cfg(target_arch = "x86_64")]
pub(super) struct Sse2;

#[cfg(target_arch = "x86_64")]
impl Kernel for Sse2 {
    #[inline(always)]
    fn classify<const ALL: bool>(block: &[u8; 64]) -> Masks {
        use std::arch::x86_64::*;
        let (mut quote, mut backslash, mut structural, mut open) = (0u64, 0u64, 0u64, 0u64);
        let (mut bracket, mut high) = (0u64, 0u64);
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of
            // `chunk` (unaligned loads allowed).
            let (q, bs, st, op, br, hi) = unsafe {
                let lane = _mm_loadu_si128(chunk.as_ptr().cast());
                let eq = |c: u8| _mm_cmpeq_epi8(lane, _mm_set1_epi8(c as i8));
                let closes = _mm_or_si128(eq(b'}'), eq(b']'));
                let opens = if ALL {
                    _mm_or_si128(eq(b'{'), eq(b'['))
                } else {
                    eq(b'{')
                };
                (
                    _mm_movemask_epi8(eq(b'"')),
                    _mm_movemask_epi8(eq(b'\\')),
                    _mm_movemask_epi8(_mm_or_si128(opens, closes)),
                    _mm_movemask_epi8(opens),
                    _mm_movemask_epi8(eq(b']')),
                    _mm_movemask_epi8(lane),
                )
            };
            let at = |bits: i32| u64::from(bits as u32 & 0xffff) << (16 * k);
            quote |= at(q);
            backslash |= at(bs);
            structural |= at(st);
            open |= at(op);
            if !ALL {
                bracket |= at(br);
            }
            high |= hi as u64;
        }
        Masks {
            quote,
            backslash,
            structural,
            open,
            bracket,
            high,
        }
    }

    #[inline(always)]
    fn tokens(block: &[u8; 64]) -> TokenMasks {
        use std::arch::x86_64::*;
        let mut out = [0u64; 5];
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of
            // `chunk` (unaligned loads allowed).
            let m = unsafe {
                let lane = _mm_loadu_si128(chunk.as_ptr().cast());
                let eq = |c: u8| _mm_cmpeq_epi8(lane, _mm_set1_epi8(c as i8));
                let control = _mm_cmpeq_epi8(_mm_min_epu8(lane, _mm_set1_epi8(0x1f)), lane);
                let open = _mm_or_si128(eq(b'{'), eq(b'['));
                let close = _mm_or_si128(eq(b'}'), eq(b']'));
                let punct = _mm_or_si128(eq(b':'), eq(b','));
                [
                    eq(b'"'),
                    _mm_or_si128(_mm_or_si128(open, close), punct),
                    open,
                    close,
                    _mm_or_si128(eq(b'\\'), control),
                ]
                .map(|v| _mm_movemask_epi8(v) as u32 & 0xffff)
            };
            for (o, bits) in out.iter_mut().zip(m) {
                *o |= u64::from(bits) << (16 * k);
            }
        }
        let [quote, structural, open, close, unusual] = out;
        TokenMasks {
            quote,
            structural,
            open,
            close,
            unusual,
        }
    }

    #[inline(always)]
    fn prefix_xor(x: u64) -> u64 {
        Portable::prefix_xor(x)
    }
}

/// AVX2 and PCLMULQDQ (with POPCNT and BMI1): only used from functions compiled for these
/// features, called after [`avx2_kernel`] detected them ([`split_avx2`], `record::walk_avx2`).
#[cfg(target_arch = "x86_64")]
pub(super) struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Kernel for Avx2 {
    #[inline(always)]
    fn classify<const ALL: bool>(block: &[u8; 64]) -> Masks {
        // SAFETY: callers run only after AVX2 was detected.
        unsafe { classify_avx2::<ALL>(block) }
    }

    #[inline(always)]
    fn tokens(block: &[u8; 64]) -> TokenMasks {
        // SAFETY: callers run only after AVX2 was detected.
        unsafe { tokens_avx2(block) }
    }

    #[inline(always)]
    fn prefix_xor(x: u64) -> u64 {
        // SAFETY: callers run only after PCLMULQDQ was detected.
        unsafe { prefix_xor_clmul(x) }
    }
}

/// A 64-byte block as two AVX2 vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn halves(block: &[u8; 64]) -> (std::arch::x86_64::__m256i, std::arch::x86_64::__m256i) {
    use std::arch::x86_64::*;
    let p = block.as_ptr();
    // SAFETY: each load reads 32 of the block's 64 bytes (unaligned loads allowed).
    unsafe {
        (
            _mm256_loadu_si256(p.cast()),
            _mm256_loadu_si256(p.add(32).cast()),
        )
    }
}

/// Bytes of an AVX2 vector equal to a character (in the AVX2 kernels, as macros: closures
/// would not inherit the target feature and stay uninlined calls).
#[cfg(target_arch = "x86_64")]
macro_rules! eq {
    ($v:expr, $c:expr) => {
        _mm256_cmpeq_epi8($v, _mm256_set1_epi8($c as i8))
    };
}

/// An AVX2 comparison's 32 byte results as bits.
#[cfg(target_arch = "x86_64")]
macro_rules! bits {
    ($m:expr) => {
        u64::from(_mm256_movemask_epi8($m) as u32)
    };
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn classify_avx2<const ALL: bool>(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let (lo, hi) = halves(block);
    macro_rules! opens {
        ($v:expr) => {
            if ALL {
                _mm256_or_si256(eq!($v, b'{'), eq!($v, b'['))
            } else {
                eq!($v, b'{')
            }
        };
    }
    macro_rules! structural {
        ($v:expr) => {
            _mm256_or_si256(opens!($v), _mm256_or_si256(eq!($v, b'}'), eq!($v, b']')))
        };
    }
    // Each mask opaque to the optimiser, as in `tokens_avx2`: left alone, LLVM packed the
    // alike computations into vectors rebuilt byte by byte.
    use std::hint::black_box;
    Masks {
        quote: black_box(bits!(eq!(lo, b'"')) | bits!(eq!(hi, b'"')) << 32),
        backslash: black_box(bits!(eq!(lo, b'\\')) | bits!(eq!(hi, b'\\')) << 32),
        structural: black_box(bits!(structural!(lo)) | bits!(structural!(hi)) << 32),
        open: black_box(bits!(opens!(lo)) | bits!(opens!(hi)) << 32),
        bracket: if ALL {
            0
        } else {
            black_box(bits!(eq!(lo, b']')) | bits!(eq!(hi, b']')) << 32)
        },
        high: bits!(_mm256_or_si256(lo, hi)),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn tokens_avx2(block: &[u8; 64]) -> TokenMasks {
    use std::arch::x86_64::*;
    let (lo, hi) = halves(block);
    macro_rules! open {
        ($v:expr) => {
            _mm256_or_si256(eq!($v, b'{'), eq!($v, b'['))
        };
    }
    macro_rules! close {
        ($v:expr) => {
            _mm256_or_si256(eq!($v, b'}'), eq!($v, b']'))
        };
    }
    macro_rules! structural {
        ($v:expr) => {
            _mm256_or_si256(
                _mm256_or_si256(open!($v), close!($v)),
                _mm256_or_si256(eq!($v, b':'), eq!($v, b',')),
            )
        };
    }
    macro_rules! unusual {
        ($v:expr) => {
            _mm256_or_si256(
                eq!($v, b'\\'),
                _mm256_cmpeq_epi8(_mm256_min_epu8($v, _mm256_set1_epi8(0x1f)), $v),
            )
        };
    }
    // Each mask opaque to the optimiser: left alone, LLVM packs the five alike
    // computations into vectors, inserting and extracting bytes one at a time.
    use std::hint::black_box;
    TokenMasks {
        quote: black_box(bits!(eq!(lo, b'"')) | bits!(eq!(hi, b'"')) << 32),
        structural: black_box(bits!(structural!(lo)) | bits!(structural!(hi)) << 32),
        open: black_box(bits!(open!(lo)) | bits!(open!(hi)) << 32),
        close: black_box(bits!(close!(lo)) | bits!(close!(hi)) << 32),
        unusual: black_box(bits!(unusual!(lo)) | bits!(unusual!(hi)) << 32),
    }
}

/// AVX-512BW (with [`Avx2`]'s features): only used from functions compiled for these
/// features, called after [`avx512_kernel`] detected them ([`split_avx512`],
/// `record::walk_avx512`).
#[cfg(target_arch = "x86_64")]
pub(super) struct Avx512;

#[cfg(target_arch = "x86_64")]
impl Kernel for Avx512 {
    #[inline(always)]
    fn classify<const ALL: bool>(block: &[u8; 64]) -> Masks {
        // SAFETY: callers run only after AVX-512BW was detected.
        unsafe { classify_avx512::<ALL>(block) }
    }

    #[inline(always)]
    fn tokens(block: &[u8; 64]) -> TokenMasks {
        // SAFETY: callers run only after AVX-512BW was detected.
        unsafe { tokens_avx512(block) }
    }

    #[inline(always)]
    fn prefix_xor(x: u64) -> u64 {
        // SAFETY: callers run only after PCLMULQDQ was detected.
        unsafe { prefix_xor_clmul(x) }
    }
}

/// The bytes of an AVX-512 vector equal to a character, as bits.
#[cfg(target_arch = "x86_64")]
macro_rules! eq512 {
    ($v:expr, $c:expr) => {
        _mm512_cmpeq_epi8_mask($v, _mm512_set1_epi8($c as i8))
    };
}

/// A 64-byte block as one AVX-512 vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn whole(block: &[u8; 64]) -> std::arch::x86_64::__m512i {
    // SAFETY: the load reads the block's 64 bytes (unaligned loads allowed).
    unsafe { std::arch::x86_64::_mm512_loadu_si512(block.as_ptr().cast()) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn classify_avx512<const ALL: bool>(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let v = whole(block);
    let open = if ALL {
        eq512!(v, b'{') | eq512!(v, b'[')
    } else {
        eq512!(v, b'{')
    };
    let bracket = eq512!(v, b']');
    Masks {
        quote: eq512!(v, b'"'),
        backslash: eq512!(v, b'\\'),
        structural: open | eq512!(v, b'}') | bracket,
        open,
        bracket: if ALL { 0 } else { bracket },
        high: _mm512_movepi8_mask(v),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn tokens_avx512(block: &[u8; 64]) -> TokenMasks {
    use std::arch::x86_64::*;
    let v = whole(block);
    let open = eq512!(v, b'{') | eq512!(v, b'[');
    let close = eq512!(v, b'}') | eq512!(v, b']');
    TokenMasks {
        quote: eq512!(v, b'"'),
        structural: open | close | eq512!(v, b':') | eq512!(v, b','),
        open,
        close,
        unusual: eq512!(v, b'\\') | _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20)),
    }
}

/// Carry-less multiplication by all ones XORs every lower bit into each bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
#[inline]
fn prefix_xor_clmul(x: u64) -> u64 {
    use std::arch::x86_64::*;
    let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
    _mm_cvtsi128_si64(product) as u64
}

/// Bit i set when byte i is the character after an escaping backslash (simdjson's
/// branchless odd-run trick). `carry` is 1 when the block before ended with an escaping
/// backslash (its escaped character is this block's byte 0).
pub(super) fn escaped_bits(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslash = backslash & !*carry;
    let follows_escape = backslash << 1 | *carry;
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    (EVEN ^ (even_starts << 1)) & follows_escape
}

/// The byte-at-a-time splitter [`split_blocks`] is checked against.
#[cfg(test)]
fn split_bytes(b: &[u8], from: usize) -> (Vec<std::ops::Range<usize>>, Option<String>) {
    let mut i = from;
    let mut out = Vec::new();
    loop {
        while i < b.len() && is_gap(b[i]) {
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

#[cfg(test)]
fn object_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => loop {
                i += 1;
                match *b.get(i)? {
                    b'"' => break,
                    b'\\' => i += 1,
                    _ => {}
                }
            },
            b'{' => depth += 1,
            b'}' => {
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

/// A top-level string field of a raw record without parsing it (`key` with its quotes,
/// e.g. `"eventName"`). CloudTrail writes `eventName`/`eventSource` before any nested
/// object, so the first occurrence is the record's own.
pub fn peek_str<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    peek_with(raw.as_bytes(), &memchr::memmem::Finder::new(key.as_bytes()))
}

/// [`peek_str`] over bytes, with a prebuilt finder for the quoted key. `None` when the value
/// has an escape or is not UTF-8.
pub fn peek_with<'a>(raw: &'a [u8], key: &memchr::memmem::Finder) -> Option<&'a str> {
    let pos = key.find(raw)?;
    let rest = raw[pos + key.needle().len()..].trim_ascii_start();
    let rest = rest.strip_prefix(b":")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    if rest[end] != b'"' {
        return None;
    }
    let value = &rest[..end];
    if value.is_ascii() {
        // SAFETY: ASCII is UTF-8 (checked inline: `from_utf8` was a call per record).
        return Some(unsafe { std::str::from_utf8_unchecked(value) });
    }
    std::str::from_utf8(value).ok()
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

    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    /// Random JSON values with strings full of quotes, backslashes and braces.
    fn random_value(rng: &mut u64, depth: u32, out: &mut String) {
        match next(rng) % if depth > 3 { 3 } else { 5 } {
            0 => out.push_str(["1", "-2.5e3", "true", "null"][(next(rng) % 4) as usize]),
            1 | 2 => {
                out.push('"');
                for _ in 0..next(rng) % 90 {
                    let piece = [
                        "a", "\\\"", "\\\\", "{", "}", "[", "]", "\\n", "\\u00e9", "x y", "é",
                    ];
                    out.push_str(piece[(next(rng) % piece.len() as u64) as usize]);
                }
                out.push('"');
            }
            3 => {
                out.push('[');
                for i in 0..next(rng) % 4 {
                    if i > 0 {
                        out.push(',');
                    }
                    random_value(rng, depth + 1, out);
                }
                out.push(']');
            }
            _ => random_object(rng, depth + 1, out),
        }
    }

    fn random_object(rng: &mut u64, depth: u32, out: &mut String) {
        out.push('{');
        let n = next(rng) % if depth == 0 { 12 } else { 4 };
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("\"k{i}\":"));
            random_value(rng, depth, out);
        }
        out.push('}');
    }

    /// [`split_blocks`] through every kernel this CPU runs; they must agree.
    /// The high-bit bytes they report must agree too, and be none only when every record is
    /// ASCII.
    fn split_kernels(b: &[u8], from: usize) -> (Vec<std::ops::Range<usize>>, Option<String>) {
        let mut high = 0;
        let portable = split_with::<Portable>(b, from, Vec::new(), &mut high);
        let same_high = |h: u64| assert_eq!(h == 0, high == 0);
        #[cfg(target_arch = "x86_64")]
        {
            let mut h = 0;
            assert_eq!(split_with::<Sse2>(b, from, Vec::new(), &mut h), portable);
            same_high(h);
            if avx2_kernel() {
                let mut h = 0;
                // SAFETY: the features were just detected.
                assert_eq!(unsafe { split_avx2(b, from, Vec::new(), &mut h) }, portable);
                same_high(h);
            }
            if avx512_kernel() {
                let mut h = 0;
                // SAFETY: the features were just detected.
                assert_eq!(
                    unsafe { split_avx512(b, from, Vec::new(), &mut h) },
                    portable
                );
                same_high(h);
            }
        }
        let mut h = 0;
        assert_eq!(split_blocks(b, from, &mut h), portable);
        same_high(h);
        if high == 0 {
            assert!(portable.0.iter().all(|r| b[r.clone()].is_ascii()));
        }
        portable
    }

    /// The escape rule one backslash at a time: the block before may end with an
    /// escaping backslash (`carry`).
    fn escaped_bits_loop(backslash: u64, carry: &mut u64) -> u64 {
        let mut escaped = 0u64;
        let mut left = backslash;
        if std::mem::take(carry) == 1 {
            escaped |= 1;
            left &= !1;
        }
        while left != 0 {
            let at = left.trailing_zeros();
            if at == 63 {
                *carry = 1;
                break;
            }
            escaped |= 1 << (at + 1);
            // The escaped character, even a backslash, escapes nothing itself.
            left &= !(1 << (at + 1));
            left &= left - 1;
        }
        escaped
    }

    #[test]
    fn branchless_escapes_agree_with_the_loop() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let (mut a, mut b) = (0u64, 0u64);
        for round in 0..200_000 {
            // Dense, sparse and long runs of backslashes, across block boundaries.
            let x = next(&mut rng);
            let mask = match round % 4 {
                0 => x,
                1 => x & next(&mut rng),
                2 => !(x & next(&mut rng)),
                _ => u64::MAX,
            };
            assert_eq!(
                escaped_bits(mask, &mut a),
                escaped_bits_loop(mask, &mut b),
                "{mask:064b}"
            );
            assert_eq!(a, b);
        }
    }

    #[test]
    fn block_splitter_agrees_with_the_byte_splitter() {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..300 {
            let mut text = String::from("{\"Records\":[");
            for i in 0..(round % 7) {
                if i > 0 {
                    text.push_str([",", " , ", ",\n  "][i % 3]);
                }
                random_object(&mut rng, 0, &mut text);
            }
            text.push_str("]}");
            let from = text.find('[').unwrap() + 1;
            let whole = split_kernels(text.as_bytes(), from);
            assert_eq!(whole, split_bytes(text.as_bytes(), from), "{text}");
            assert_eq!(whole.1, None, "{text}");
            for r in &whole.0 {
                serde_json::from_str::<serde_json::Value>(&text[r.clone()]).unwrap();
            }
            // Every truncation, and garbage between records.
            for cut in (from..text.len()).step_by(1 + round % 5) {
                let b = &text.as_bytes()[..cut];
                assert_eq!(
                    split_kernels(b, from),
                    split_bytes(b, from),
                    "cut {cut}: {text}"
                );
            }
            let bad = text.replacen("},{", "}, 7 ,{", 1);
            let b = bad.as_bytes();
            assert_eq!(split_kernels(b, from), split_bytes(b, from), "{bad}");
        }
    }

    #[test]
    fn records_read_as_text_whether_or_not_the_file_is_ascii() {
        let ascii = split(Vec::from(r#"{"Records":[{"a":"x"},{"b":"y"}]}"#));
        assert!(ascii.ascii);
        assert_eq!(ascii.text_of(1), Some(r#"{"b":"y"}"#));
        let mut text = r#"{"Records":[{"a":"x"},{"b":"é"},{"c":"?"}]}"#.as_bytes().to_vec();
        // The third record's `?` becomes a byte that is not UTF-8.
        let at = text.iter().rposition(|&c| c == b'?').unwrap();
        text[at] = 0xff;
        let mixed = split(text);
        assert!(!mixed.ascii);
        assert_eq!(mixed.text_of(0), Some(r#"{"a":"x"}"#));
        assert_eq!(mixed.text_of(1), Some(r#"{"b":"é"}"#));
        assert_eq!(mixed.text_of(2), None);
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
        assert_eq!(decode(gz.clone(), Vec::new()).unwrap(), &plain[..]);
        // Two members (concatenated gzip) decode whole, into a reused smaller buffer.
        let two = [gz.clone(), gz.clone()].concat();
        let out = decode(two, Vec::with_capacity(10)).unwrap();
        assert_eq!(out, [&plain[..], &plain[..]].concat());
        let err = |b: Vec<u8>| decode(b, Vec::new()).unwrap_err();
        assert!(err(vec![0x1f, 0x8b, 0, 0]).starts_with("bad gzip"));
        // Cut short, a flipped byte (CRC or deflate error), trailing garbage.
        assert_eq!(
            err(gz[..gz.len() - 6].to_vec()),
            "bad gzip data: unexpected end of file"
        );
        let mut flipped = gz.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        assert!(err(flipped).starts_with("bad gzip data: "));
        assert_eq!(
            err([gz, b"junk".to_vec()].concat()),
            "bad gzip data: trailing bytes after the last member"
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
