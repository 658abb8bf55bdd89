//! A CloudTrail record indexed, not parsed: one validating pass (accepting exactly what
//! serde_json accepts) records every object's members by byte range, so a dotted path
//! such as `userIdentity.sessionContext.sessionIssuer.type` is a few table lookups, and a
//! top-level value is parsed into a tree only when a detection asks for it. Most
//! detections read a few small fields, so the big `requestParameters` and
//! `responseElements` of most records are never turned into trees. Records only Sigma rules
//! read are indexed lazily ([`Record::index_lazy`]): an object's members when a path first
//! goes into it.

use serde_json::Value;
use std::cell::{Cell, OnceCell, RefCell};

use super::input;

/// Every object of the record by its members' byte ranges in the record's text (which
/// callers keep and pass back); object 0 is the record. [`Record::index`] builds it in one
/// validating pass; [`Record::index_lazy`] walks the record's members only, and an inner
/// object's members when a path first descends into it (appended to the same tables, so a
/// lookup allocates nothing).
#[derive(Debug)]
pub struct Record {
    /// Each object's members, contiguous: `objects[i]` is its slice of `members`. In cells:
    /// a lazy record grows them behind `&self`, while nothing borrows them (lookups copy
    /// what they found).
    members: RefCell<Vec<Member>>,
    objects: RefCell<Vec<Object>>,
    /// Top-level values parsed so far, by member index (the table made on first use).
    parsed: OnceCell<Box<[OnceCell<Value>]>>,
    /// Set when a lazily indexed part turned out not to be valid JSON.
    damaged: Cell<bool>,
    /// The objects [`Under`] names, once a path read from them ([`Record::leaf_under`]).
    under: [Cell<u32>; 2],
}

/// An object on the group path ([`EAGER`]) that most paths Sigma and the detectors read go
/// through: [`Record::leaf_under`] finds it once per record, not once per path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Under {
    /// `userIdentity`.
    UserIdentity = 0,
    /// `userIdentity.sessionContext.sessionIssuer`.
    SessionIssuer = 1,
}

impl Under {
    /// The keys leading to the object.
    pub fn keys(self) -> &'static [&'static str] {
        &EAGER[..1 + 2 * self as usize]
    }

    /// The object a path (top-level key first) goes through, the longest such, and how
    /// many keys lead to it.
    pub fn of<S: AsRef<str>>(path: &[S]) -> Option<(Under, usize)> {
        [Under::SessionIssuer, Under::UserIdentity]
            .into_iter()
            .map(|u| (u, u.keys().len()))
            .find(|&(u, n)| {
                path.len() > n && path.iter().zip(u.keys()).all(|(p, k)| p.as_ref() == *k)
            })
    }
}

/// An [`Under`] object not looked for yet, and the [`Leaf`] every path through it is when
/// it is not an object.
const UNDER_UNSET: u32 = u32::MAX;
const UNDER_MISSING: u32 = u32::MAX - 1;
const UNDER_OTHER: u32 = u32::MAX - 2;

/// Member tables of dropped records, reused: a record is indexed and dropped per event,
/// and fresh tables cost an allocation and a free each, and cold memory.
#[derive(Default)]
struct Tables {
    members: Vec<Vec<Member>>,
    objects: Vec<Vec<Object>>,
}

impl Tables {
    /// Kept per thread; a record dropped on another thread than it was made on (records
    /// travel to the detectors' thread) gives its tables to that thread.
    const KEEP: usize = 64;
    /// Bigger tables (a record with a huge value) are freed: memory stays bounded.
    const MAX_CAPACITY: usize = 512;

    /// A new record's empty tables (new members tables get `capacity`).
    fn record(capacity: usize) -> Record {
        let (members, objects) = TABLES.with_borrow_mut(|t| {
            let members = t.members.pop();
            (
                members.unwrap_or_else(|| Vec::with_capacity(capacity)),
                t.objects.pop().unwrap_or_default(),
            )
        });
        Record {
            members: RefCell::new(members),
            objects: RefCell::new(objects),
            parsed: OnceCell::new(),
            damaged: Cell::new(false),
            under: [Cell::new(UNDER_UNSET), Cell::new(UNDER_UNSET)],
        }
    }
}

thread_local! {
    static TABLES: RefCell<Tables> = RefCell::new(Tables::default());
    /// [`Walked::pending`] of each thread's walks.
    static PENDING: RefCell<Vec<Member>> = const { RefCell::new(Vec::new()) };
}

impl Drop for Record {
    fn drop(&mut self) {
        let (mut members, mut objects) = (
            std::mem::take(self.members.get_mut()),
            std::mem::take(self.objects.get_mut()),
        );
        members.clear();
        objects.clear();
        // `try_with`: not while the thread's locals are being destroyed.
        let _ = TABLES.try_with(|t| {
            if let Ok(mut t) = t.try_borrow_mut() {
                let keep = |n: usize, cap: usize| {
                    n < Tables::KEEP && (1..=Tables::MAX_CAPACITY).contains(&cap)
                };
                if keep(t.members.len(), members.capacity()) {
                    t.members.push(members);
                }
                if keep(t.objects.len(), objects.capacity()) {
                    t.objects.push(objects);
                }
            }
        });
    }
}

/// Plain data (a copy is a few stores, and pushing one is inlined).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Member {
    /// [`key_tag`] of the key (unescaped), compared before the key itself.
    tag: u64,
    /// Where the key's text (inside its quotes) is in the record.
    key: (u32, u32),
    value: (u32, u32),
    /// The object index when the value is an object (objects inside arrays are checked
    /// but not indexed), or [`NO_CHILD`], [`UNREAD`], [`BROKEN`].
    child: u32,
    /// The key holds escapes: it is compared unescaped ([`unescaped_key`]).
    escaped: bool,
    /// The value is a string without escapes (known for walked objects only).
    plain: bool,
}

/// An object's members: `members[from..to]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Object {
    from: u32,
    to: u32,
    /// No key repeats (known for walked objects only), so the first member found with a
    /// key is the one: lookups may search from both ends.
    unique: bool,
}

/// Not an object this record indexes.
const NO_CHILD: u32 = u32::MAX;
/// An object a lazy record has not walked yet.
const UNREAD: u32 = u32::MAX - 1;
/// An object a lazy record found not to be valid JSON.
const BROKEN: u32 = u32::MAX - 2;

/// A member [`Record::find`] found: its index in `members` and in its object, its value's
/// range and its `child`.
struct Found {
    at: usize,
    nth: usize,
    value: (u32, u32),
    child: u32,
    plain: bool,
}

impl Record {
    /// Indexes the object `raw`; the whole text is checked to be valid JSON (as
    /// serde_json checks it).
    pub fn index(raw: &str) -> Result<Record, String> {
        if raw.trim_start().as_bytes().first() != Some(&b'{') {
            return Err("not an object".into());
        }
        if raw.len() >= BROKEN as usize {
            return Err("record too large".into());
        }
        let mut r = Tables::record(96);
        let ok = PARSER.with_borrow_mut(|p| {
            p.pending.clear();
            p.stack.clear();
            p.run(raw, r.members.get_mut(), r.objects.get_mut())
        });
        if ok.is_none() {
            // The rare bad record: serde names what is wrong and where.
            let e = serde_json::from_str::<serde::de::IgnoredAny>(raw)
                .err()
                .map_or_else(|| "invalid JSON".to_string(), |e| e.to_string());
            return Err(format!("invalid JSON: {e}"));
        }
        Ok(r)
    }

    /// Indexes only the members of the object `raw`: keys and plain values are checked as
    /// [`Record::index`] checks them, inner arrays and objects are skipped by counting
    /// their brackets outside strings 64 bytes at a time (as the splitter finds records),
    /// and an inner object's members are read the same way when a path first descends
    /// into it. The inside of a value is checked only once read; a record then found to
    /// be invalid JSON says so through [`Record::damaged`]. For records read by a few
    /// paths (Sigma rules), most of whose text is never looked at. Text this rejects is
    /// indexed by [`Record::index`], which names the error. Keys with a lone surrogate
    /// below the top level become U+FFFD, as [`Record::index`] has them.
    pub fn index_lazy(raw: &str) -> Result<Record, String> {
        if raw.len() >= BROKEN as usize {
            return Err("record too large".into());
        }
        let mut r = Tables::record(32);
        let (members, objects) = (r.members.get_mut(), r.objects.get_mut());
        // Object 0, the record, is known last.
        objects.push(Object {
            from: 0,
            to: 0,
            unique: false,
        });
        let ends = |end| skip_ws(raw.as_bytes(), end) == raw.len();
        match walk_into::<false>(raw, 0, 0, members, objects, ends) {
            Some(object) => {
                objects[0] = object;
                Ok(r)
            }
            None => Record::index(raw),
        }
    }

    /// Whether a part of this record read since [`Record::index_lazy`] was not valid JSON
    /// (what was read from it is then unreliable). Always `false` for [`Record::index`].
    pub fn damaged(&self) -> bool {
        self.damaged.get()
    }

    /// The last member of object `obj` named `key` (the last one wins when a key repeats).
    /// Inlined: a `Found` returned through memory stalled its reader (it loads what the
    /// callee had just stored in smaller pieces).
    #[inline(always)]
    fn find(&self, raw: &str, obj: u32, key: &str) -> Option<Found> {
        let tag = key_tag(key.as_bytes());
        let o = *self.objects.borrow().get(obj as usize)?;
        let members = self.members.borrow();
        let object = members.get(o.from as usize..o.to as usize)?;
        let is = |m: &Member| m.tag == tag && key_is(m, raw, key);
        let nth = if o.unique {
            // From both ends: the early keys (`userIdentity`, `eventName`) and the late ones
            // (`recipientAccountId`) are both a few steps away.
            let (mut lo, mut hi) = (0, object.len());
            loop {
                if lo >= hi {
                    return None;
                }
                hi -= 1;
                if is(&object[hi]) {
                    break hi;
                }
                if lo < hi && is(&object[lo]) {
                    break lo;
                }
                lo += 1;
            }
        } else {
            object.iter().rposition(is)?
        };
        let m = &object[nth];
        Some(Found {
            at: o.from as usize + nth,
            nth,
            value: m.value,
            child: m.child,
            plain: m.plain,
        })
    }

    /// The object index of the object that is member `f`'s value; a lazy record walks it
    /// on first use. `None` when it is not valid JSON.
    fn descend(&self, raw: &str, f: &Found) -> Option<u32> {
        match f.child {
            NO_CHILD | BROKEN => None,
            UNREAD => {
                let (mut members, mut objects) =
                    (self.members.borrow_mut(), self.objects.borrow_mut());
                let (from, ends) = (f.value.0 as usize, |end| end == f.value.1 as usize);
                let id = match walk_into::<true>(
                    raw,
                    from,
                    EAGER.len(),
                    &mut members,
                    &mut objects,
                    ends,
                ) {
                    Some(object) => {
                        objects.push(object);
                        objects.len() as u32 - 1
                    }
                    None => {
                        self.damaged.set(true);
                        BROKEN
                    }
                };
                members[f.at].child = id;
                (id != BROKEN).then_some(id)
            }
            id => Some(id),
        }
    }

    /// The value of top-level field `key` (the last one when a key repeats), parsed on
    /// first use. `raw` must be the text this record was indexed from.
    pub fn get<'a>(&'a self, raw: &str, key: &str) -> Option<&'a Value> {
        let f = self.find(raw, 0, key)?;
        let parsed = self.parsed.get_or_init(|| {
            let o = self.objects.borrow()[0];
            (o.from..o.to).map(|_| OnceCell::new()).collect()
        });
        Some(parsed[f.nth].get_or_init(|| {
            // Valid JSON when `index` checked the whole text; maybe not in a lazy record.
            // (Valid JSON may still not make a tree: numbers out of range.)
            let text = raw
                .get(f.value.0 as usize..f.value.1 as usize)
                .unwrap_or("");
            serde_json::from_str(text).unwrap_or_else(|_| {
                if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
                    self.damaged.set(true);
                }
                Value::Null
            })
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
    pub fn leaf<'a, K: AsRef<str>>(&self, raw: &'a str, path: &[K]) -> Leaf<'a> {
        self.leaf_from(raw, 0, path)
    }

    /// [`Record::leaf`] of `under`'s keys followed by `rest` (not empty).
    pub fn leaf_under<'a, K: AsRef<str>>(
        &self,
        raw: &'a str,
        under: Under,
        rest: &[K],
    ) -> Leaf<'a> {
        let cell = &self.under[under as usize];
        if cell.get() == UNDER_UNSET {
            cell.set(self.object_at(raw, under.keys()));
        }
        match cell.get() {
            UNDER_MISSING => Leaf::Missing,
            UNDER_OTHER => Leaf::Other,
            obj => self.leaf_from(raw, obj, rest),
        }
    }

    /// [`Record::leaf`] of `path` from object `obj`.
    fn leaf_from<'a, K: AsRef<str>>(&self, raw: &'a str, obj: u32, path: &[K]) -> Leaf<'a> {
        let Some((first, rest)) = path.split_first() else {
            return Leaf::Other;
        };
        let Some(mut f) = self.find(raw, obj, first.as_ref()) else {
            return Leaf::Missing;
        };
        for key in rest {
            match self.inner(raw, &f) {
                Ok(obj) => match self.find(raw, obj, key.as_ref()) {
                    Some(next) => f = next,
                    None => return Leaf::Missing,
                },
                Err(leaf) => return leaf,
            }
        }
        let (from, to) = (f.value.0 as usize, f.value.1 as usize);
        if f.plain {
            return Leaf::Str(&raw[from + 1..to - 1]);
        }
        leaf_of(&raw[from..to])
    }

    /// The object member `f`'s value is, else the leaf every path through it is.
    fn inner(&self, raw: &str, f: &Found) -> Result<u32, Leaf<'static>> {
        match raw.as_bytes().get(f.value.0 as usize) {
            Some(b'{') => {}
            Some(b'[') => return Err(Leaf::Other),
            _ => return Err(Leaf::Missing),
        }
        self.descend(raw, f).ok_or(Leaf::Other)
    }

    /// The object `path` (not empty) leads to from the record, else [`UNDER_MISSING`] or
    /// [`UNDER_OTHER`] as [`Record::leaf`] answers for paths through it.
    fn object_at(&self, raw: &str, path: &[&str]) -> u32 {
        let mut obj = 0;
        for key in path {
            let Some(f) = self.find(raw, obj, key) else {
                return UNDER_MISSING;
            };
            obj = match self.inner(raw, &f) {
                Ok(o) => o,
                Err(Leaf::Missing) => return UNDER_MISSING,
                Err(_) => return UNDER_OTHER,
            };
        }
        obj
    }
}

/// The leaf a value's (valid) text is.
fn leaf_of(text: &str) -> Leaf<'_> {
    match text.as_bytes() {
        [b'"', inner @ .., b'"'] if memchr::memchr(b'\\', inner).is_none() => {
            Leaf::Str(&text[1..text.len() - 1])
        }
        b"null" => Leaf::Null,
        b"true" => Leaf::Bool(true),
        b"false" => Leaf::Bool(false),
        _ => Leaf::Other,
    }
}

/// Inner objects walked with the object holding them rather than skipped (and walked
/// again when first read): the path every Sigma match reads for its group,
/// `userIdentity.sessionContext.sessionIssuer.arn`. `EAGER[n]` at depth `n`.
const EAGER: [&str; 3] = ["userIdentity", "sessionContext", "sessionIssuer"];

/// [`Record::index_lazy`]'s walk of the object at `raw[from..]` (after whitespace): its
/// members and those of its [`EAGER`] inner objects (from `EAGER[eager]` on) appended to
/// `members`, the inner objects' entries to `objects`; the index after the object and
/// its own entry. `None` when the text is not a valid object (as far as the walk checks).
/// `NESTED`: an inner object (its keys may hold lone surrogates).
fn walk<const NESTED: bool>(
    raw: &str,
    from: usize,
    eager: usize,
    t: &mut Walked,
) -> Option<(usize, Object)> {
    #[cfg(target_arch = "x86_64")]
    if input::avx512_kernel() {
        // SAFETY: the features were just detected.
        return unsafe { walk_avx512::<NESTED>(raw, from, eager, t) };
    }
    #[cfg(target_arch = "x86_64")]
    if input::avx2_kernel() {
        // SAFETY: the features were just detected.
        return unsafe { walk_avx2::<NESTED>(raw, from, eager, t) };
    }
    #[cfg(target_arch = "x86_64")]
    return walk_with::<input::Sse2, NESTED>(raw, from, eager, t);
    #[cfg(not(target_arch = "x86_64"))]
    walk_with::<input::Portable, NESTED>(raw, from, eager, t)
}

/// [`walk`] of the object at `raw[from..]` into a record's tables, with the thread's
/// scratch: its entry, or `None` (the tables as they were) when it is not a valid object or
/// `ends` does not accept where it ends.
fn walk_into<const NESTED: bool>(
    raw: &str,
    from: usize,
    eager: usize,
    members: &mut Vec<Member>,
    objects: &mut Vec<Object>,
    ends: impl Fn(usize) -> bool,
) -> Option<Object> {
    let marks = (members.len(), objects.len());
    let walked = PENDING.with_borrow_mut(|pending| {
        pending.clear();
        let t = &mut Walked {
            members,
            objects,
            pending,
        };
        walk::<NESTED>(raw, from, eager, t)
    });
    match walked {
        Some((end, object)) if ends(end) => Some(object),
        _ => {
            members.truncate(marks.0);
            objects.truncate(marks.1);
            None
        }
    }
}

/// What [`walk`] fills.
struct Walked<'t> {
    members: &'t mut Vec<Member>,
    objects: &'t mut Vec<Object>,
    /// The members of the objects still open, innermost last.
    pending: &'t mut Vec<Member>,
}

impl Walked<'_> {
    /// Closes the innermost open object `o`, which ends before `end`: its members go to
    /// `members`; its entry is returned for the walk's `root` object, else added to
    /// `objects`, and its member to its parent's in `pending`.
    #[inline(always)]
    fn close(&mut self, o: &Open, end: usize, root: bool) -> Option<Object> {
        let from = self.members.len() as u32;
        // One copy: `drain` moved them one by one.
        self.members.extend_from_slice(&self.pending[o.first..]);
        self.pending.truncate(o.first);
        let object = Object {
            from,
            to: self.members.len() as u32,
            unique: o.unique,
        };
        if root {
            return Some(object);
        }
        self.objects.push(object);
        self.pending.push(Member {
            value: (o.member.value.0, end as u32),
            child: self.objects.len() as u32 - 1,
            ..o.member
        });
        None
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
fn walk_avx2<const NESTED: bool>(
    raw: &str,
    from: usize,
    eager: usize,
    t: &mut Walked,
) -> Option<(usize, Object)> {
    walk_with::<input::Avx2, NESTED>(raw, from, eager, t)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2,pclmulqdq,popcnt,bmi1")]
fn walk_avx512<const NESTED: bool>(
    raw: &str,
    from: usize,
    eager: usize,
    t: &mut Walked,
) -> Option<(usize, Object)> {
    walk_with::<input::Avx512, NESTED>(raw, from, eager, t)
}

/// The walk from token to token ([`walk_tokens`]), else (a backslash or a control
/// character near the object, or text that walk does not accept) byte by byte
/// ([`walk_bytes`], which also names what is wrong).
#[inline(always)]
fn walk_with<K: input::Kernel, const NESTED: bool>(
    raw: &str,
    from: usize,
    eager: usize,
    t: &mut Walked,
) -> Option<(usize, Object)> {
    let marks = (t.members.len(), t.objects.len(), t.pending.len());
    if let Some(walked) = walk_tokens::<K>(raw, from, eager, t) {
        return Some(walked);
    }
    t.members.truncate(marks.0);
    t.objects.truncate(marks.1);
    t.pending.truncate(marks.2);
    walk_bytes::<K, NESTED>(raw, from, eager, t)
}

/// An object being walked: where its members start in `pending`, a 64-bit filter of its
/// key tags (a hit is checked exactly) for whether a key repeats, the next [`EAGER`]
/// index, and (inner objects) the member whose value it is.
#[derive(Clone, Copy)]
struct Open {
    first: usize,
    seen: u64,
    unique: bool,
    eager: usize,
    member: Member,
}

impl Open {
    /// A new object, whose members will start at `first` in `pending`.
    fn new(first: usize, eager: usize, member: Member) -> Open {
        Open {
            first,
            seen: 0,
            unique: true,
            eager,
            member,
        }
    }

    /// The frame of the inner object at `at`, the value of this object's member `key`
    /// (`escaped`: holding escapes, `tag` its tag), whose members start at `first`.
    fn inner(&self, first: usize, tag: u64, key: (u32, u32), at: usize, escaped: bool) -> Open {
        let member = Member {
            tag,
            key,
            value: (at as u32, 0),
            escaped,
            ..BLANK
        };
        Open::new(first, self.eager + 1, member)
    }

    /// Notes key `tag` (a member of this object, in `pending`).
    #[inline(always)]
    fn key(&mut self, tag: u64, pending: &[Member]) {
        let bit = 1u64 << (tag >> 58);
        if self.seen & bit != 0 && pending[self.first..].iter().any(|m| m.tag == tag) {
            self.unique = false;
        }
        self.seen |= bit;
    }

    /// Whether the member with this key, whose value is an object, is walked with it.
    #[inline(always)]
    fn eager(&self, tag: u64, key: (u32, u32), escaped: bool, raw: &str) -> bool {
        self.eager < EAGER.len()
            && tag == key_tag(EAGER[self.eager].as_bytes())
            && key_is_at(key, escaped, raw, EAGER[self.eager])
    }
}

const BLANK: Member = Member {
    tag: 0,
    key: (0, 0),
    value: (0, 0),
    child: NO_CHILD,
    escaped: false,
    plain: false,
};

/// The tokens of the text from a position on, 64 bytes at a time: quotes, and brackets,
/// colons and commas outside strings (strings masked out by a prefix XOR over the quotes,
/// as simdjson's first stage does). A walk over them steps from token to token, where
/// one byte by byte waits, for every string, on finding where it ends. A block holding a
/// backslash or a control character (whitespace other than spaces too: pretty-printed
/// JSON) is given up on.
struct Tokens<'a, K> {
    b: &'a [u8],
    /// Where the block of `bits` starts.
    base: usize,
    /// The block's tokens not yet taken.
    bits: u64,
    /// The block's brackets outside strings.
    open: u64,
    close: u64,
    /// All ones when the block ends inside a string.
    in_string: u64,
    kernel: std::marker::PhantomData<K>,
}

impl<'a, K: input::Kernel> Tokens<'a, K> {
    #[inline(always)]
    fn new(b: &'a [u8], from: usize) -> Option<Self> {
        let mut t = Tokens {
            b,
            base: from,
            bits: 0,
            open: 0,
            close: 0,
            in_string: 0,
            kernel: std::marker::PhantomData,
        };
        t.load()?;
        Some(t)
    }

    /// Reads the block at `base`.
    #[inline(always)]
    fn load(&mut self) -> Option<()> {
        let mut pad = [b' '; 64];
        let m = K::tokens(input::block_at(self.b, self.base, &mut pad));
        if m.unusual != 0 {
            return None;
        }
        let strings = K::prefix_xor(m.quote) ^ self.in_string;
        self.in_string = 0u64.wrapping_sub(strings >> 63);
        self.open = m.open & !strings;
        self.close = m.close & !strings;
        self.bits = m.quote | (m.structural & !strings);
        Some(())
    }

    /// The next token's index; `None` past the end (or given up on).
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.base += 64;
            if self.base >= self.b.len() {
                return None;
            }
            self.load()?;
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }

    /// The index after the bracket closing the container whose opening bracket was the
    /// last token taken; the tokens inside are skipped. Only the nesting depth is checked
    /// (as [`container_end`] does); whole blocks go by their bracket counts when the depth
    /// cannot reach zero in them.
    #[inline(always)]
    fn skip_container(&mut self) -> Option<usize> {
        let mut depth = 1u32;
        loop {
            let (open, close) = (self.open & self.bits, self.close & self.bits);
            if let Some(at) = depth_zero_at(open, close, &mut depth) {
                // The tokens after the bracket stay to be taken.
                self.bits &= !(u64::MAX >> (63 - at));
                return Some(self.base + at as usize + 1);
            }
            self.base += 64;
            if self.base >= self.b.len() {
                return None;
            }
            self.load()?;
        }
    }
}

/// Where in a 64-byte block the nesting depth (`depth` at its start) comes back to zero,
/// given its opening and closing brackets outside strings; else `None`, and `depth` is the
/// depth at its end. Whole blocks go by their bracket counts when the depth cannot reach
/// zero in them.
#[inline(always)]
fn depth_zero_at(open: u64, close: u64, depth: &mut u32) -> Option<u32> {
    if close.count_ones() < *depth {
        *depth = *depth + open.count_ones() - close.count_ones();
        return None;
    }
    let mut brackets = open | close;
    while brackets != 0 {
        let at = brackets.trailing_zeros();
        brackets &= brackets - 1;
        if open >> at & 1 == 1 {
            *depth += 1;
        } else {
            *depth -= 1;
            if *depth == 0 {
                return Some(at);
            }
        }
    }
    None
}

/// Whether only JSON whitespace lies strictly between `from` and `to`.
#[inline(always)]
fn gap(b: &[u8], from: usize, to: usize) -> bool {
    to == from + 1
        || b.get(from + 1..to)
            .is_some_and(|g| g.iter().all(|c| matches!(c, b' ' | b'\n' | b'\t' | b'\r')))
}

/// [`walk_bytes`] over [`Tokens`]: accepts only text it accepts, with the same tables,
/// else `None` (the caller then undoes what it appended). Keys and strings hold no escape
/// here, so the key rules of `NESTED` objects do not differ.
#[inline(always)]
fn walk_tokens<K: input::Kernel>(
    raw: &str,
    from: usize,
    eager: usize,
    t: &mut Walked,
) -> Option<(usize, Object)> {
    let b = raw.as_bytes();
    let mut tokens = Tokens::<K>::new(b, from)?;
    let first = tokens.next()?;
    if b[first] != b'{' || skip_ws(b, from) != first {
        return None;
    }
    let mut opens = [Open::new(t.pending.len(), eager, BLANK); EAGER.len() + 1];
    let mut depth = 0;
    // The last token taken (or a scalar's last byte), and whether it opened an object.
    let (mut prev, mut fresh) = (first, true);
    loop {
        let tok = tokens.next()?;
        if !gap(b, prev, tok) {
            return None;
        }
        let mut close_at = match b[tok] {
            b'}' if fresh => tok,
            b'"' => {
                // Inside a string its closing quote is the only token.
                let key_end = tokens.next()?;
                let colon = tokens.next()?;
                if b[colon] != b':' || !gap(b, key_end, colon) {
                    return None;
                }
                let key = (tok as u32 + 1, key_end as u32);
                let tag = key_tag(&b[tok + 1..key_end]);
                let o = &mut opens[depth];
                o.key(tag, t.pending);
                let v = tokens.next()?;
                let (start, end, child, plain, sep) = match b[v] {
                    b'"' if gap(b, colon, v) => (v, tokens.next()? + 1, NO_CHILD, true, None),
                    b'{' if gap(b, colon, v) && o.eager(tag, key, false, raw) => {
                        let inner = o.inner(t.pending.len(), tag, key, v, false);
                        depth += 1;
                        opens[depth] = inner;
                        (prev, fresh) = (v, true);
                        continue;
                    }
                    b'{' if gap(b, colon, v) => (v, tokens.skip_container()?, UNREAD, false, None),
                    b'[' if gap(b, colon, v) => {
                        (v, tokens.skip_container()?, NO_CHILD, false, None)
                    }
                    // A scalar: the text between the colon and this token.
                    b',' | b'}' => {
                        let start = skip_ws(b, colon + 1);
                        let end = scalar_end(b, start)?;
                        if end > v || skip_ws(b, end) != v {
                            return None;
                        }
                        (start, end, NO_CHILD, false, Some(v))
                    }
                    _ => return None,
                };
                t.pending.push(Member {
                    tag,
                    key,
                    value: (start as u32, end as u32),
                    child,
                    escaped: false,
                    plain,
                });
                let sep = match sep {
                    Some(s) => s,
                    None => tokens.next()?,
                };
                if !gap(b, end - 1, sep) {
                    return None;
                }
                (prev, fresh) = (sep, false);
                match b[sep] {
                    b',' => continue,
                    b'}' => sep,
                    _ => return None,
                }
            }
            _ => return None,
        };
        // `b[close_at]` closes the innermost open object, and maybe more.
        loop {
            let end = close_at + 1;
            if let Some(object) = t.close(&opens[depth], end, depth == 0) {
                return Some((end, object));
            }
            depth -= 1;
            let sep = tokens.next()?;
            if !gap(b, close_at, sep) {
                return None;
            }
            (prev, fresh) = (sep, false);
            match b[sep] {
                b',' => break,
                b'}' => close_at = sep,
                _ => return None,
            }
        }
    }
}

/// The walk byte by byte.
#[inline(always)]
fn walk_bytes<K: input::Kernel, const NESTED: bool>(
    raw: &str,
    from: usize,
    eager: usize,
    t: &mut Walked,
) -> Option<(usize, Object)> {
    let mut opens = [Open::new(t.pending.len(), eager, BLANK); EAGER.len() + 1];
    let mut depth = 0;
    // The whole record's text, not just the object's: a 64-byte block rarely needs padding.
    let b = raw.as_bytes();
    let mut i = skip_ws(b, from);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    // At the `}` closing the innermost open object.
    let mut closing = b.get(i) == Some(&b'}');
    loop {
        if !closing {
            let key_start = i;
            let (key_end, tag, escaped) = if NESTED || depth > 0 {
                key::<true>(raw, i)?
            } else {
                key::<false>(raw, i)?
            };
            let o = &mut opens[depth];
            o.key(tag, t.pending);
            i = skip_ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            let key = (key_start as u32 + 1, key_end as u32 - 1);
            // Every field at once: a member built up in place and then copied as a whole
            // stalled on the copy (its load waited for the partial stores to land).
            let (end, child, plain) = match b.get(i)? {
                b'{' if o.eager(tag, key, escaped, raw) => {
                    let inner = o.inner(t.pending.len(), tag, key, i, escaped);
                    depth += 1;
                    opens[depth] = inner;
                    i = skip_ws(b, i + 1);
                    closing = b.get(i) == Some(&b'}');
                    continue;
                }
                b'{' => (container_end::<K>(b, i)?, UNREAD, false),
                b'[' => (container_end::<K>(b, i)?, NO_CHILD, false),
                b'"' => {
                    let (end, escapes) = string_span(b, i)?;
                    (end, NO_CHILD, !escapes)
                }
                _ => (scalar_end(b, i)?, NO_CHILD, false),
            };
            t.pending.push(Member {
                tag,
                key,
                value: (i as u32, end as u32),
                child,
                escaped,
                plain,
            });
            i = skip_ws(b, end);
            match b.get(i)? {
                b',' => {
                    i = skip_ws(b, i + 1);
                    continue;
                }
                b'}' => {}
                _ => return None,
            }
        }
        // `b[i]` closes the innermost open object: its members go to `members`.
        let end = i + 1;
        if let Some(object) = t.close(&opens[depth], end, depth == 0) {
            return Some((end, object));
        }
        depth -= 1;
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => {
                i = skip_ws(b, i + 1);
                closing = false;
            }
            b'}' => closing = true,
            _ => return None,
        }
    }
}

/// The index after the array or object opening at `start`: brackets outside strings are
/// counted 64 bytes at a time (whole blocks by their counts when the depth cannot reach
/// zero in them). Only the nesting depth is checked, not that brackets pair by kind.
#[inline(always)]
fn container_end<K: input::Kernel>(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0u32;
    let (mut in_string, mut escape_carry) = (0u64, 0u64);
    let mut pad = [b' '; 64];
    let mut base = start;
    while base < b.len() {
        let block = input::block_at(b, base, &mut pad);
        let m = K::classify::<true>(block);
        let escaped = if m.backslash == 0 && escape_carry == 0 {
            0
        } else {
            input::escaped_bits(m.backslash, &mut escape_carry)
        };
        let strings = K::prefix_xor(m.quote & !escaped) ^ in_string;
        in_string = 0u64.wrapping_sub(strings >> 63);
        let open = m.open & !strings;
        let close = m.structural & !m.open & !strings;
        if let Some(at) = depth_zero_at(open, close, &mut depth) {
            return Some(base + at as usize + 1);
        }
        base += 64;
    }
    None
}

/// The key whose opening quote is at `i`: the index after it and its tag, `None` when it is
/// not a valid key (a lone surrogate is one only below the top level, as for serde_json).
fn key<const NESTED: bool>(raw: &str, i: usize) -> Option<(usize, u64, bool)> {
    let b = raw.as_bytes();
    let (key_end, escapes) = string_span(b, i)?;
    if !escapes {
        return Some((key_end, key_tag(&b[i + 1..key_end - 1]), false));
    }
    if !NESTED && serde_json::from_str::<String>(&raw[i..key_end]).is_err() {
        return None;
    }
    let k = unescaped_key(raw, i as u32 + 1, key_end as u32 - 1);
    Some((key_end, key_tag(k.as_bytes()), true))
}

/// The escaped key whose text (inside its quotes) is `raw[from..to]`, unescaped; a lone
/// surrogate, which serde_json does not decode, is U+FFFD.
fn unescaped_key(raw: &str, from: u32, to: u32) -> String {
    raw.get(from as usize - 1..to as usize + 1)
        .and_then(|q| serde_json::from_str::<String>(q).ok())
        .unwrap_or_else(|| "\u{FFFD}".into())
}

/// The key's length and its first and last eight bytes, mixed: CloudTrail keys sharing a
/// length and a prefix (`eventTime`, `eventName`, `eventType`) differ in their last bytes.
#[inline(always)]
fn key_tag(k: &[u8]) -> u64 {
    let n = k.len();
    let w8 = |at: usize| u64::from_le_bytes(k[at..at + 8].try_into().unwrap_or_default());
    let w4 = |at: usize| {
        u64::from(u32::from_le_bytes(
            k[at..at + 4].try_into().unwrap_or_default(),
        ))
    };
    let b = |at: usize| u64::from(k[at]) << (8 * at);
    // The first bytes as a little-endian word, zero-padded; without a `memcpy` call (whose
    // return had a walk reload all its AVX2 constants).
    let (head, tail) = match n {
        8.. => (w8(0), w8(n - 8)),
        4..8 => (w4(0) | w4(n - 4) << (8 * (n - 4)), 0),
        1..4 => (b(0) | b(n / 2) | b(n - 1), 0),
        0 => (0, 0),
    };
    head ^ tail.rotate_left(29) ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn key_is(m: &Member, raw: &str, key: &str) -> bool {
    key_is_at(m.key, m.escaped, raw, key)
}

/// [`key_is`] for the key at `at` in `raw` (`escaped`: holding escapes).
fn key_is_at((from, to): (u32, u32), escaped: bool, raw: &str, key: &str) -> bool {
    if escaped {
        return unescaped_key(raw, from, to) == key;
    }
    let Some(text) = raw.as_bytes().get(from as usize..to as usize) else {
        return false;
    };
    let k = key.as_bytes();
    if text.len() != k.len() {
        return false;
    }
    // Keys up to 32 bytes (all of CloudTrail's) as overlapping words, without a memcmp call.
    let n = k.len();
    let w8 = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
    let w4 = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default());
    match n {
        0 => true,
        1..4 => text[0] == k[0] && text[n / 2] == k[n / 2] && text[n - 1] == k[n - 1],
        4..8 => w4(text, 0) == w4(k, 0) && w4(text, n - 4) == w4(k, n - 4),
        8..=16 => w8(text, 0) == w8(k, 0) && w8(text, n - 8) == w8(k, n - 8),
        17..=32 => {
            w8(text, 0) == w8(k, 0)
                && w8(text, 8) == w8(k, 8)
                && w8(text, n - 16) == w8(k, n - 16)
                && w8(text, n - 8) == w8(k, n - 8)
        }
        _ => text == k,
    }
}

/// An open container while parsing.
struct Frame {
    /// Object index, or `NO_CHILD` for an array or an object inside an array (checked,
    /// not indexed).
    obj: u32,
    is_object: bool,
    /// Where this object's members start in `Parser::pending`.
    first: usize,
    /// The member (in `pending`) whose value this container is, to close its range.
    parent: Option<usize>,
}

thread_local! {
    /// Each thread's parser scratch, kept across records.
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(Parser::default());
}

/// The tables [`Parser::run`] fills.
struct Index<'t> {
    members: &'t mut Vec<Member>,
    objects: &'t mut Vec<Object>,
}

/// The validating indexer. Members of open objects wait in `pending` (inner objects close
/// first, so each object's members are the tail of `pending` when it closes).
#[derive(Default)]
struct Parser {
    pending: Vec<Member>,
    stack: Vec<Frame>,
}

impl Parser {
    fn run(
        &mut self,
        raw: &str,
        members: &mut Vec<Member>,
        objects: &mut Vec<Object>,
    ) -> Option<()> {
        let r = &mut Index { members, objects };
        let b = raw.as_bytes();
        let mut i = skip_ws(b, 0);
        self.open(b, &mut i, r, None, true)?;
        if self.closed_if_empty(b, &mut i, r)? {
            return (skip_ws(b, i) == b.len()).then_some(());
        }
        let mut expect_element = true;
        loop {
            if expect_element {
                let top = self.stack.last()?;
                let indexed = top.obj != NO_CHILD;
                // A member's key and colon, or an array element's position.
                let member = if top.is_object {
                    i = skip_ws(b, i);
                    // A lone surrogate: serde_json rejected it in a top-level key only
                    // (nested values were skipped, not decoded).
                    let (key_end, tag, escapes) = if self.stack.len() == 1 {
                        key::<false>(raw, i)?
                    } else {
                        key::<true>(raw, i)?
                    };
                    let key = (i as u32 + 1, key_end as u32 - 1);
                    i = skip_ws(b, key_end);
                    if b.get(i) != Some(&b':') {
                        return None;
                    }
                    i = skip_ws(b, i + 1);
                    indexed.then(|| {
                        self.pending.push(Member {
                            tag,
                            key,
                            value: (i as u32, 0),
                            child: NO_CHILD,
                            escaped: escapes,
                            plain: false,
                        });
                        self.pending.len() - 1
                    })
                } else {
                    i = skip_ws(b, i);
                    None
                };
                match b.get(i)? {
                    b'{' | b'[' => {
                        self.open(b, &mut i, r, member, indexed && member.is_some())?;
                        if !self.closed_if_empty(b, &mut i, r)? {
                            continue;
                        }
                    }
                    _ => {
                        i = scalar_end(b, i)?;
                        if let Some(m) = member {
                            self.pending[m].value.1 = i as u32;
                        }
                    }
                }
            }
            // After a value: `,` (another element follows) or closes.
            i = skip_ws(b, i);
            let top = self.stack.last()?;
            match (b.get(i)?, top.is_object) {
                (b',', _) => {
                    i += 1;
                    expect_element = true;
                }
                (b'}', true) | (b']', false) => {
                    i += 1;
                    self.close(r, i);
                    if self.stack.is_empty() {
                        return (skip_ws(b, i) == b.len()).then_some(());
                    }
                    expect_element = false;
                }
                _ => return None,
            }
        }
    }

    /// Pushes the container starting at `b[*i]` and steps past its opening bracket.
    fn open(
        &mut self,
        b: &[u8],
        i: &mut usize,
        r: &mut Index,
        parent: Option<usize>,
        indexed: bool,
    ) -> Option<()> {
        let is_object = match b.get(*i)? {
            b'{' => true,
            b'[' => false,
            _ => return None,
        };
        let obj = if is_object && indexed {
            r.objects.push(Object {
                from: 0,
                to: 0,
                unique: false,
            });
            let id = (r.objects.len() - 1) as u32;
            if let Some(m) = parent {
                self.pending[m].child = id;
            }
            id
        } else {
            NO_CHILD
        };
        self.stack.push(Frame {
            obj,
            is_object,
            first: self.pending.len(),
            parent,
        });
        *i += 1;
        Some(())
    }

    /// Right after an opening bracket: closes the container when it is empty (`true`).
    fn closed_if_empty(&mut self, b: &[u8], i: &mut usize, r: &mut Index) -> Option<bool> {
        let j = skip_ws(b, *i);
        let close = if self.stack.last()?.is_object {
            b'}'
        } else {
            b']'
        };
        if b.get(j) != Some(&close) {
            return Some(false);
        }
        *i = j + 1;
        self.close(r, *i);
        Some(true)
    }

    /// Closes the top container, which ends before `end`.
    fn close(&mut self, r: &mut Index, end: usize) {
        let Some(f) = self.stack.pop() else { return };
        if f.obj != NO_CHILD {
            let from = r.members.len() as u32;
            r.members.extend(self.pending.drain(f.first..));
            r.objects[f.obj as usize] = Object {
                from,
                to: r.members.len() as u32,
                unique: false,
            };
        }
        if let Some(m) = f.parent {
            self.pending[m].value.1 = end as u32;
        }
    }
}

/// JSON whitespace (what serde_json skips).
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// Bytes of `w` that are `"`, `\` or a control character: the lowest flagged byte is exact
/// (higher ones may be false, from borrows).
fn specials(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(0x20 * ONES) & !w & HIGH;
    control | zero(w ^ (b'"' as u64 * ONES)) | zero(w ^ (b'\\' as u64 * ONES))
}

/// The index after the valid string whose opening quote is at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    string_span(b, i).map(|(end, _)| end)
}

/// [`string_end`], and whether the string holds escapes.
fn string_span(b: &[u8], i: usize) -> Option<(usize, bool)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    let mut escapes = false;
    loop {
        j = next_special(b, j);
        match *b.get(j)? {
            b'"' => return Some((j + 1, escapes)),
            b'\\' => {
                escapes = true;
                match *b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        // serde_json checks only the four hex digits here.
                        let hex = b.get(j + 2..j + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                }
            }
            // A control character.
            _ => return None,
        }
    }
}

/// The index of the first `"`, `\` or control character at or after `j` (`b.len()` if
/// none): 16 bytes at a time where SSE2 is there (every x86_64), then 8, then 1.
#[inline(always)]
fn next_special(b: &[u8], mut j: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = b.get(j..j + 16) {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of
        // `chunk` (unaligned loads allowed).
        let m = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // Unsigned v <= 0x1f.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
        };
        if m != 0 {
            return j + m.trailing_zeros() as usize;
        }
        j += 16;
    }
    while let Some(chunk) = b.get(j..j + 8) {
        let m = specials(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        if m != 0 {
            return j + (m.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while b
        .get(j)
        .is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20)
    {
        j += 1;
    }
    j
}

/// The index after the valid string, number, `true`, `false` or `null` at `i`.
fn scalar_end(b: &[u8], i: usize) -> Option<usize> {
    let digits = |mut j: usize| {
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b't' => b[i..].starts_with(b"true").then_some(i + 4),
        b'f' => b[i..].starts_with(b"false").then_some(i + 5),
        b'n' => b[i..].starts_with(b"null").then_some(i + 4),
        b'-' | b'0'..=b'9' => {
            let mut j = i + usize::from(b[i] == b'-');
            match *b.get(j)? {
                b'0' => j += 1,
                b'1'..=b'9' => j = digits(j + 1),
                _ => return None,
            }
            if b.get(j) == Some(&b'.') {
                let k = digits(j + 1);
                if k == j + 1 {
                    return None;
                }
                j = k;
            }
            if let Some(b'e' | b'E') = b.get(j) {
                j += 1;
                if let Some(b'+' | b'-') = b.get(j) {
                    j += 1;
                }
                let k = digits(j);
                if k == j {
                    return None;
                }
                j = k;
            }
            Some(j)
        }
        _ => None,
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
        // With the [`EAGER`] keys, so inner objects are walked both ways.
        let keys = [
            "k",
            "k\"q",
            "k\\b",
            "t",
            "type",
            "é",
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
        ];
        let mut m = serde_json::Map::new();
        for _ in 0..next(rng) % 6 {
            let k = keys[(next(rng) % keys.len() as u64) as usize];
            m.insert(k.to_string(), random_value(rng, depth));
        }
        Value::Object(m)
    }

    #[test]
    fn dropped_tables_are_reused_cleared_and_only_when_small() {
        let big = format!(
            "{{{}}}",
            (0..2000)
                .map(|i| format!("\"k{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let r = Record::index(&big).unwrap();
        assert!(r.members.borrow().capacity() > Tables::MAX_CAPACITY);
        drop(r);
        TABLES.with_borrow(|t| {
            assert!(
                t.members
                    .iter()
                    .all(|m| m.is_empty() && m.capacity() <= Tables::MAX_CAPACITY)
            );
        });
        let small = r#"{"a":{"b":"x"},"c":"y"}"#;
        for _ in 0..3 {
            let r = Record::index(small).unwrap();
            assert_eq!(r.members.borrow().len(), 3);
            assert_eq!(r.leaf(small, &["a", "b"]), Leaf::Str("x"));
            assert_eq!(r.leaf(small, &["k7"]), Leaf::Missing);
        }
        let kept = TABLES.with_borrow(|t| t.members.len());
        assert!(kept >= 1, "a small table came back");
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

    /// What the serde indexer accepted: an object of keys (unescaped, checked) and raw values.
    fn serde_accepts(t: &str) -> bool {
        type Fields<'a> = std::collections::BTreeMap<String, &'a serde_json::value::RawValue>;
        t.trim_start().starts_with('{') && serde_json::from_str::<Fields>(t).is_ok()
    }

    /// A random object's text, maybe pretty, with up to two random edits (often invalid).
    fn mutated(rng: &mut u64, pretty: bool) -> String {
        let pieces = [
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "0",
            "-",
            ".",
            "e",
            "E+",
            "01",
            "tru",
            "null",
            "\u{1}",
            "\u{7f}",
            " ",
            "\t",
            "\\u12",
            "\\u00e9",
            "\\ud800",
            "\\x",
            "\\/",
            "é",
            "1.",
            "-0",
            "1e5",
            "{}",
            "[]",
            "{\"\\ud800\":1}",
        ];
        let v = random_object(rng, 0);
        let mut t = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            v.to_string()
        };
        for _ in 0..next(rng) % 3 {
            let at = (next(rng) % (t.len() as u64 + 1)) as usize;
            let at = (at..=t.len()).find(|&k| t.is_char_boundary(k)).unwrap();
            let piece = pieces[(next(rng) % pieces.len() as u64) as usize];
            if next(rng).is_multiple_of(2) {
                t.insert_str(at, piece);
            } else if let Some(c) = t[at..].chars().next() {
                t.replace_range(at..at + c.len_utf8(), piece);
            }
        }
        t
    }

    #[test]
    fn the_same_text_is_valid_as_for_serde() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let (mut valid, mut invalid) = (0, 0);
        for n in 0..20_000 {
            let t = mutated(&mut rng, n % 2 == 1);
            let want = serde_accepts(&t);
            assert_eq!(Record::index(&t).is_ok(), want, "{t}");
            if want { valid += 1 } else { invalid += 1 }
        }
        assert!(valid > 5000 && invalid > 5000, "{valid} {invalid}");
        // serde_json skips nested values without a depth limit; the stack here is a `Vec`.
        for depth in [1, 127, 128, 129, 5000] {
            for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
                let t = format!("{{\"a\":{}1{}}}", open.repeat(depth), close.repeat(depth));
                let want = serde_accepts(&t);
                assert_eq!(Record::index(&t).is_ok(), want, "depth {depth} {open}");
            }
        }
    }

    /// Every path of up to three keys from `keys`.
    fn paths<'k>(keys: &[&'k str]) -> Vec<Vec<&'k str>> {
        let mut out: Vec<Vec<&str>> = keys.iter().map(|k| vec![*k]).collect();
        for _ in 0..2 {
            let longer: Vec<Vec<&str>> = out
                .iter()
                .filter(|p| p.len() == out.last().map_or(0, Vec::len))
                .flat_map(|p| keys.iter().map(move |k| [p.clone(), vec![*k]].concat()))
                .collect();
            out.extend(longer);
        }
        out
    }

    /// Reads every top-level value of `r` (what marks a lazy record damaged).
    fn read_all(r: &Record, raw: &str) {
        let o = r.objects.borrow()[0];
        let keys: Vec<String> = r.members.borrow()[o.from as usize..o.to as usize]
            .iter()
            .map(|m| match m.escaped {
                false => raw[m.key.0 as usize..m.key.1 as usize].to_string(),
                true => unescaped_key(raw, m.key.0, m.key.1),
            })
            .collect();
        for key in keys {
            r.get(raw, &key);
        }
    }

    #[test]
    fn lazy_records_read_as_the_full_index_and_report_damage() {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let keys = [
            "k\"q",
            "k\\b",
            "type",
            "é",
            "missing",
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
        ];
        let mut paths = paths(&keys);
        // Through the whole group path too.
        paths.extend(keys.iter().map(|k| [&EAGER[..], &[*k]].concat()));
        let (mut valid, mut rejected, mut damaged) = (0, 0, 0);
        for n in 0..6000 {
            let t = mutated(&mut rng, n % 2 == 1);
            let lazy = Record::index_lazy(&t);
            match Record::index(&t) {
                Ok(full) => {
                    valid += 1;
                    let lazy = lazy.unwrap_or_else(|e| panic!("{e}: {t}"));
                    for p in &paths {
                        assert_eq!(lazy.leaf(&t, p), full.leaf(&t, p), "{p:?} in {t}");
                        // From the objects on the group path, found once per record.
                        if let Some((under, n)) = Under::of(p) {
                            for r in [&lazy, &full] {
                                assert_eq!(
                                    r.leaf_under(&t, under, &p[n..]),
                                    full.leaf(&t, p),
                                    "{p:?} in {t}"
                                );
                            }
                        }
                    }
                    for k in keys {
                        assert_eq!(lazy.get(&t, k), full.get(&t, k), "{k} in {t}");
                    }
                    // A lone surrogate in an inner key: skipped by the full index, not
                    // decodable into a tree.
                    assert!(!lazy.damaged() || t.contains("\\ud800"), "{t}");
                }
                Err(e) => match lazy {
                    // Rejected: the full index named the error.
                    Err(lazy_error) => {
                        assert_eq!(lazy_error, e);
                        rejected += 1;
                    }
                    // Accepted as far as checked: reading everything finds the damage.
                    Ok(lazy) => {
                        read_all(&lazy, &t);
                        assert!(lazy.damaged(), "{t}");
                        damaged += 1;
                    }
                },
            }
        }
        assert!(
            valid > 1500 && rejected > 500 && damaged > 100,
            "{valid} {rejected} {damaged}"
        );
    }

    #[test]
    fn repeated_keys_read_last_in_lazy_records_from_both_ends() {
        let mut rng = 0x5851_f42d_4c95_7f2du64;
        // "d" and "\u0064" are the same key; many keys, so tag filter bits collide.
        let keys: Vec<String> = ["d", "\\u0064", "e", "userIdentity", "x"]
            .iter()
            .map(|k| k.to_string())
            .chain((0..40).map(|i| format!("k{i}")))
            .collect();
        let lookups = ["d", "e", "userIdentity", "x", "k0", "k7", "k39", "none"];
        let (mut repeated, mut unique) = (0, 0);
        for n in 0..3000 {
            let members = |rng: &mut u64, inner: &str| -> String {
                (0..1 + next(rng) % 30)
                    .map(|j| {
                        let k = &keys[(next(rng) % keys.len() as u64) as usize];
                        let v = if j % 5 == 0 && !inner.is_empty() {
                            inner.to_string()
                        } else {
                            format!("\"v{j}\"")
                        };
                        format!("\"{k}\": {v}")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let inner = format!("{{{}}}", members(&mut rng, ""));
            let t = format!("{{{}}}", members(&mut rng, &inner));
            let full = Record::index(&t).unwrap();
            let lazy = Record::index_lazy(&t).unwrap();
            for k in lookups {
                assert_eq!(lazy.leaf(&t, &[k]), full.leaf(&t, &[k]), "{k} in {t}");
                for k2 in lookups {
                    assert_eq!(
                        lazy.leaf(&t, &[k, k2]),
                        full.leaf(&t, &[k, k2]),
                        "{k}.{k2} in {t}"
                    );
                }
            }
            let top = lazy.objects.borrow()[0];
            if top.unique {
                unique += 1
            } else {
                repeated += 1
            }
            if n % 7 == 0 {
                // The filter may only err towards "repeated".
                let v: serde_json::Map<String, Value> = serde_json::from_str(&t).unwrap();
                let members = (top.to - top.from) as usize;
                if v.len() < members {
                    assert!(!top.unique, "{t}");
                }
            }
        }
        assert!(repeated > 500 && unique > 100, "{repeated} {unique}");
    }

    #[test]
    fn the_group_path_is_walked_with_the_record() {
        let rec = |issuer: &str, attributes: &str| {
            format!(
                r#"{{"eventVersion": "1.09", "userIdentity": {{"type": "AssumedRole",
                "sessionContext": {{"sessionIssuer": {issuer}, "attributes": {attributes}}}}},
                "eventName": "GetObject", "recipientAccountId": "1"}}"#
            )
        };
        let issuer = r#"{"type": "Role", "arn": "arn:aws:iam::1:role/r"}"#;
        let t = rec(issuer, r#"{"mfaAuthenticated": "false"}"#);
        let r = Record::index_lazy(&t).unwrap();
        // Walked with the record: three objects besides it, nothing left unread on the path.
        assert_eq!(r.objects.borrow().len(), 4);
        let path = ["userIdentity", "sessionContext", "sessionIssuer", "arn"];
        assert_eq!(r.leaf(&t, &path), Leaf::Str("arn:aws:iam::1:role/r"));
        assert_eq!(r.leaf(&t, &path[..2]), Leaf::Other);
        assert_eq!(
            r.leaf(&t, &["userIdentity", "type"]),
            Leaf::Str("AssumedRole")
        );
        assert_eq!(r.leaf(&t, &["recipientAccountId"]), Leaf::Str("1"));
        let full = Record::index(&t).unwrap();
        for p in paths(&path) {
            assert_eq!(r.leaf(&t, &p), full.leaf(&t, &p), "{p:?}");
        }
        // Invalid on the path: the record is rejected, as by the full index.
        let bad = rec(r#"{"type": "Role" "arn": 1}"#, "{}");
        assert_eq!(Record::index_lazy(&bad).err(), Record::index(&bad).err());
        assert!(Record::index_lazy(&bad).is_err());
        // Invalid beside it: found when read.
        let bad = rec(issuer, r#"{"mfaAuthenticated": [1 2]}"#);
        let r = Record::index_lazy(&bad).unwrap();
        assert_eq!(r.leaf(&bad, &path), Leaf::Str("arn:aws:iam::1:role/r"));
        assert!(!r.damaged());
        r.leaf(&bad, &["userIdentity", "sessionContext", "attributes", "x"]);
        assert!(!r.damaged(), "the array is not read");
        // A repeated, escaped key: the last one, walked the same way.
        let t = r#"{"userIdentity": {"type": "A"}, "\u0075serIdentity": {"type": "B",
            "sessionContext": {"sessionIssuer": {"arn": "x"}}}}"#;
        let r = Record::index_lazy(t).unwrap();
        assert_eq!(r.leaf(t, &["userIdentity", "type"]), Leaf::Str("B"));
        assert_eq!(r.leaf(t, &path), Leaf::Str("x"));
        assert_eq!(r.objects.borrow().len(), 5);
    }

    #[test]
    fn the_token_walk_accepts_only_what_the_byte_walk_does_with_the_same_tables() {
        type Tables = (usize, Vec<Object>, Vec<Member>);
        fn run(f: impl Fn(&mut Walked) -> Option<(usize, Object)>) -> Option<Tables> {
            let (mut members, mut objects, mut pending) = (Vec::new(), Vec::new(), Vec::new());
            let walked = f(&mut Walked {
                members: &mut members,
                objects: &mut objects,
                pending: &mut pending,
            })?;
            objects.push(walked.1);
            Some((walked.0, objects, members))
        }
        let mut rng = 0x6a09_e667_f3bc_c909u64;
        let (mut tokens, mut total) = (0, 0);
        for n in 0..6000 {
            // Clean text (no escapes), sometimes spaced, sometimes edited into invalid text.
            let v = random_object(&mut rng, 0);
            let mut t = match n % 3 {
                0 => v.to_string(),
                1 => v.to_string().replace(',', ", ").replace(':', ": "),
                _ => mutated(&mut rng, false),
            };
            if n % 4 == 0 {
                // A record's own keys, so the walk goes into the group path.
                t = format!(
                    r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","sessionContext":{{"sessionIssuer":{t},"x":[{t}]}}}},"n":{t}}}"#
                );
            }
            for eager in [0, EAGER.len()] {
                let bytes = run(|w| walk_bytes::<input::Portable, false>(&t, 0, eager, w));
                let tokens_walk = run(|w| walk_tokens::<input::Portable>(&t, 0, eager, w));
                if let Some(walked) = &tokens_walk {
                    assert_eq!(Some(walked), bytes.as_ref(), "{t}");
                    tokens += 1;
                }
                total += 1;
                // Whatever the way, `walk` gives the byte walk's answer.
                let via = run(|w| walk::<false>(&t, 0, eager, w));
                assert_eq!(via, bytes, "{t}");
            }
        }
        assert!(tokens > total / 3, "{tokens} of {total}");
    }

    #[test]
    fn key_tags_are_of_the_zero_padded_words() {
        let naive = |k: &[u8]| {
            let word = |b: &[u8]| {
                let mut w = [0u8; 8];
                w[..b.len()].copy_from_slice(b);
                u64::from_le_bytes(w)
            };
            let n = k.len();
            let (head, tail) = if n >= 8 {
                (word(&k[..8]), word(&k[n - 8..]))
            } else {
                (word(k), 0)
            };
            head ^ tail.rotate_left(29) ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        };
        let mut rng = 0x5be0_cd19_137e_2179u64;
        for len in 0..48 {
            let b: Vec<u8> = (0..len).map(|_| next(&mut rng) as u8).collect();
            for from in 0..=len {
                for to in from..=len {
                    let k = &b[from..to];
                    assert_eq!(key_tag(k), naive(k), "{k:?}");
                }
            }
        }
    }

    #[test]
    fn keys_compare_as_byte_strings_at_every_length() {
        let mut rng = 0x3c6e_f372_fe94_f82bu64;
        for n in 0..40 {
            for _ in 0..200 {
                let a: String = (0..n)
                    .map(|_| (b'a' + (next(&mut rng) % 3) as u8) as char)
                    .collect();
                let mut b = a.clone().into_bytes();
                if n > 0 && next(&mut rng).is_multiple_of(2) {
                    let at = (next(&mut rng) % n as u64) as usize;
                    b[at] = b'a' + (next(&mut rng) % 3) as u8;
                }
                let b = String::from_utf8(b).unwrap();
                let raw = format!("\"{a}\"");
                assert_eq!(
                    key_is_at((1, n as u32 + 1), false, &raw, &b),
                    a == b,
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn lazy_walks_agree_on_every_cpu_kernel() {
        let mut rng = 0x1234_5678_9abc_def1u64;
        type Walk = fn(&str, usize, usize, &mut Walked) -> Option<(usize, Object)>;
        let walk = |t: &str, f: Walk| {
            let (mut members, mut objects, mut pending) = (Vec::new(), Vec::new(), Vec::new());
            let walked = f(
                t,
                0,
                0,
                &mut Walked {
                    members: &mut members,
                    objects: &mut objects,
                    pending: &mut pending,
                },
            );
            walked.map(|(end, o)| {
                let m: Vec<_> = members
                    .iter()
                    .map(|m| (m.tag, m.value.0, m.value.1, m.child, m.plain))
                    .collect();
                let o: Vec<_> = objects
                    .iter()
                    .chain([&o])
                    .map(|o| (o.from, o.to, o.unique))
                    .collect();
                (end, o, m)
            })
        };
        for n in 0..4000 {
            // Long strings and many backslashes cross the 64-byte blocks.
            let mut t = mutated(&mut rng, n % 2 == 1);
            if n % 3 == 0 {
                t = t
                    .replacen('a', &"\\\\".repeat(40), 1)
                    .replacen('é', &"x".repeat(100), 1);
            }
            let portable = walk(&t, walk_with::<input::Portable, false>);
            #[cfg(target_arch = "x86_64")]
            {
                assert_eq!(walk(&t, walk_with::<input::Sse2, false>), portable, "{t}");
                if input::avx2_kernel() {
                    // SAFETY: the features were just detected.
                    let avx2: Walk =
                        |t, from, eager, w| unsafe { walk_avx2::<false>(t, from, eager, w) };
                    assert_eq!(walk(&t, avx2), portable, "{t}");
                }
                if input::avx512_kernel() {
                    // SAFETY: the features were just detected.
                    let avx512: Walk =
                        |t, from, eager, w| unsafe { walk_avx512::<false>(t, from, eager, w) };
                    assert_eq!(walk(&t, avx512), portable, "{t}");
                }
            }
        }
    }

    #[test]
    fn deep_and_damaged_lazy_records() {
        for depth in [1, 60, 61, 62, 63, 200] {
            let t = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
            let r = Record::index_lazy(&t).unwrap();
            assert!(r.get(&t, "a").is_some());
            assert!(!r.damaged(), "depth {depth}");
            let walked = walk::<false>(
                &t,
                0,
                0,
                &mut Walked {
                    members: &mut Vec::new(),
                    objects: &mut Vec::new(),
                    pending: &mut Vec::new(),
                },
            );
            assert_eq!(
                walked.map(|(end, _)| end),
                Some(t.len()),
                "walked, depth {depth}"
            );
            let bad = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth - 1));
            assert!(Record::index_lazy(&bad).is_err(), "depth {depth}");
        }
        let t = r#"{"a": {"b": {"c": "x"}}}"#;
        let r = Record::index_lazy(t).unwrap();
        assert_eq!(r.leaf(t, &["a", "b", "c"]), Leaf::Str("x"));
        // Damage inside a value is found when read.
        let t = r#"{"a": {"b": {"c": "x" "d"}}, "e": [1 2]}"#;
        let r = Record::index_lazy(t).unwrap();
        assert_eq!(r.leaf(t, &["e"]), Leaf::Other);
        assert!(!r.damaged());
        assert_eq!(r.leaf(t, &["a", "b", "c"]), Leaf::Other);
        assert!(r.damaged());
        let r = Record::index_lazy(t).unwrap();
        assert_eq!(r.get(t, "e"), Some(&Value::Null));
        assert!(r.damaged());
    }

    #[test]
    fn invalid_text_is_an_error_anywhere_in_the_record() {
        for bad in [
            "[1]",
            "\"s\"",
            "{\"a\": tru}",
            "{\"a\": 1,}",
            "{\"a\": 1} x",
        ] {
            assert!(Record::index(bad).is_err(), "{bad}");
            assert!(Record::index_lazy(bad).is_err(), "{bad}");
        }
        for bad in [
            "{,\"a\": 1}",
            "{\"a\" 1}",
            "{\"a\": 1 2}",
            "{\"a\": {} []}",
            "{\"a\":: 1}",
            "{\"a\": [}",
        ] {
            assert!(Record::index_lazy(bad).is_err(), "{bad}");
        }
        assert_eq!(Record::index("[1]").unwrap_err(), "not an object");
        // Inside a value: an error for the full index, damage once read for a lazy one.
        let bad = "{\"a\": {\"b\": 1}, \"c\": {\"d\": [1,]}}";
        assert!(Record::index(bad).is_err());
        let r = Record::index_lazy(bad).unwrap();
        assert_eq!(r.leaf(bad, &["a", "b"]), Leaf::Other);
        assert!(!r.damaged(), "\"c\" is not read by a lookup in \"a\"");
        // A path into "c" walks the members of "c", not the inside of its array.
        assert_eq!(r.leaf(bad, &["c", "e"]), Leaf::Missing);
        assert_eq!(r.leaf(bad, &["c", "d"]), Leaf::Other);
        assert!(!r.damaged());
        let bad = "{\"a\": {\"b\": 1}, \"c\": {\"d\": {\"e\": 1,}}}";
        let r = Record::index_lazy(bad).unwrap();
        assert_eq!(r.leaf(bad, &["c", "d", "f"]), Leaf::Other);
        assert!(r.damaged(), "damage two levels down is the record's");
        let r = Record::index_lazy(bad).unwrap();
        assert_eq!(r.get(bad, "c"), Some(&Value::Null));
        assert!(r.damaged());
    }

    #[test]
    fn next_special_finds_the_first_quote_backslash_or_control_at_every_offset() {
        let naive = |b: &[u8], j: usize| {
            (j..b.len())
                .find(|&k| matches!(b[k], b'"' | b'\\' | 0..=0x1f))
                .unwrap_or(b.len())
        };
        for len in 0..40 {
            for at in 0..=len {
                for special in [b'"', b'\\', b'\n', 0, 0x1f] {
                    // Bytes just above the control range and non-ASCII must not stop it.
                    let mut b: Vec<u8> =
                        (0..len).map(|k| [b'a', 0x20, 0x7f, 0xc3][k % 4]).collect();
                    if at < len {
                        b[at] = special;
                    }
                    for from in 0..=len {
                        assert_eq!(next_special(&b, from), naive(&b, from), "{b:?} from {from}");
                    }
                }
            }
        }
    }
}
