//! `s3://bucket/prefix` inputs for `guardrails hunt`, read through the AWS SDK (feature
//! `aws`).
//!
//! Listing: ListObjectsV2 with pagination, `.json`/`.json.gz` keys only. With `--since` /
//! `--until`, prefixes in the CloudTrail delivery layout
//! (`.../AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/`) are walked with the
//! `/` delimiter (accounts and regions discovered) and only the year, month and day prefixes
//! that meet the window are listed. The window is widened by one day on each side: CloudTrail
//! files land in the folder of their delivery time, which can be after midnight for events
//! just before it.
//!
//! Downloading: a background task on a tokio runtime fetches objects in key order, a bounded
//! number in flight and a bounded number ahead of the furthest object the engine asked for, so
//! memory does not grow with the input. The engine's loaders take the bytes with
//! [`Remote::read`] and run them through the same decode/split/detect path as local files.

use std::path::{Path, PathBuf};

/// Whether a command-line path is an `s3://` URL.
pub fn is_s3(p: &Path) -> bool {
    p.to_str().is_some_and(|s| s.starts_with("s3://"))
}

/// Splits command-line paths into local paths and `s3://` URLs.
pub fn partition(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut local = Vec::new();
    let mut remote = Vec::new();
    for p in paths {
        match p.to_str() {
            Some(s) if s.starts_with("s3://") => remote.push(s.to_string()),
            _ => local.push(p.clone()),
        }
    }
    (local, remote)
}

/// How a file is named in findings and errors: the `s3://bucket/key` URL as is, a local path
/// as `scan` shows it.
pub fn display(p: &Path) -> String {
    if is_s3(p) {
        p.to_string_lossy().into_owned()
    } else {
        crate::scan::display_path(p)
    }
}

/// `bucket` and `prefix` of `s3://bucket/prefix`.
pub fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| "not an s3:// URL".to_string())?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err("no bucket name in the s3:// URL".into());
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

/// A usage error when `s3://` inputs cannot be read by this build.
pub fn usage_error(paths: &[PathBuf]) -> Option<String> {
    if cfg!(feature = "aws") {
        return None;
    }
    paths.iter().find(|p| is_s3(p)).map(|p| {
        format!(
            "{}: s3:// inputs need the `aws` feature (this build was made without it); \
             download the logs (aws s3 sync) and pass the directory",
            p.display()
        )
    })
}

/// A day, as (year, month, day), for comparing with S3 date prefixes.
type Day = (i32, i32, i32);

/// The days whose folders may hold records of [since, until]: one day wider on each side.
pub fn day_window(
    since: Option<jiff::Timestamp>,
    until: Option<jiff::Timestamp>,
) -> Option<(Day, Day)> {
    if since.is_none() && until.is_none() {
        return None;
    }
    let day = |t: jiff::Timestamp, shift: i64| -> Day {
        let d = jiff::tz::Offset::UTC.to_datetime(t).date();
        let d = d
            .checked_add(jiff::SignedDuration::from_hours(24 * shift))
            .unwrap_or(d);
        (
            i32::from(d.year()),
            i32::from(d.month()),
            i32::from(d.day()),
        )
    };
    Some((
        since.map(|t| day(t, -1)).unwrap_or((i32::MIN, 0, 0)),
        until.map(|t| day(t, 1)).unwrap_or((i32::MAX, 13, 32)),
    ))
}

/// What listing with the window does at a `/`-terminated prefix.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Not (yet) in the date part of the layout: list with the delimiter and descend.
    Descend,
    /// `<region>/`, `YYYY/` or `YYYY/MM/`: descend only into subfolders meeting the window
    /// (the number of date parts already fixed, 0..=2, and their values).
    Dates(Vec<i32>),
    /// A day folder or deeper, or not the layout: list everything under it.
    All,
}

/// Where `prefix` (ending in `/`) sits in the CloudTrail layout.
pub fn step(prefix: &str) -> Step {
    let segs: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let Some(at) = segs.iter().rposition(|s| *s == "CloudTrail") else {
        return Step::Descend;
    };
    if !segs[..at].contains(&"AWSLogs") {
        return Step::Descend;
    }
    let after = &segs[at + 1..];
    match after.len() {
        0 => Step::Descend,
        1..=3 => {
            let parts: Option<Vec<i32>> = after[1..].iter().map(|s| s.parse().ok()).collect();
            match parts {
                Some(p) => Step::Dates(p),
                None => Step::All,
            }
        }
        _ => Step::All,
    }
}

/// Whether the date folder `parts` (year; year, month; or year, month, day) meets the window.
pub fn meets(parts: &[i32], (lo, hi): (Day, Day)) -> bool {
    let lo = [lo.0, lo.1, lo.2];
    let hi = [hi.0, hi.1, hi.2];
    let n = parts.len().min(3);
    parts[..n] >= lo[..n] && parts[..n] <= hi[..n]
}

/// Keys worth reading.
pub fn is_log_key(key: &str) -> bool {
    key.ends_with(".json") || key.ends_with(".json.gz")
}

#[cfg(feature = "aws")]
pub use remote::Remote;

#[cfg(feature = "aws")]
mod remote {
    use super::*;
    use std::collections::HashMap;
    use std::sync::{Arc, Condvar, Mutex};

    /// Downloads in flight at once.
    const CONCURRENCY: usize = 12;
    /// How far past the furthest requested object downloads may run.
    const AHEAD: usize = 16;

    type Bytes = Result<Vec<u8>, String>;

    struct State {
        /// One past the highest object index the engine asked for.
        requested: usize,
        ready: HashMap<usize, Bytes>,
    }

    struct Shared {
        state: Mutex<State>,
        ready: Condvar,
        wake: tokio::sync::Notify,
    }

    /// The objects under the `s3://` inputs, downloading in the background.
    pub struct Remote {
        rt: Option<tokio::runtime::Runtime>,
        urls: Vec<String>,
        index: HashMap<String, usize>,
        shared: Arc<Shared>,
    }

    impl Remote {
        /// Lists the objects under `urls` (errors name the URL and go to `errors`) and starts
        /// downloading them.
        pub fn open(
            urls: &[String],
            since: Option<jiff::Timestamp>,
            until: Option<jiff::Timestamp>,
            errors: &mut Vec<(String, String)>,
        ) -> Remote {
            let shared = Arc::new(Shared {
                state: Mutex::new(State {
                    requested: 0,
                    ready: HashMap::new(),
                }),
                ready: Condvar::new(),
                wake: tokio::sync::Notify::new(),
            });
            let none = |shared| Remote {
                rt: None,
                urls: Vec::new(),
                index: HashMap::new(),
                shared,
            };
            if urls.is_empty() {
                return none(shared);
            }
            let rt = match crate::aws::runtime() {
                Ok(rt) => rt,
                Err(e) => {
                    for u in urls {
                        errors.push((u.clone(), format!("cannot start the AWS runtime: {e}")));
                    }
                    return none(shared);
                }
            };
            let window = day_window(since, until);
            let (client, objects) = rt.block_on(async {
                let mut conf = crate::aws::load(None).await;
                if conf.region().is_none() {
                    conf = crate::aws::in_region(&conf, "us-east-1");
                }
                let client = crate::aws::s3(&conf);
                let mut objects: Vec<(String, String)> = Vec::new();
                for url in urls {
                    let (bucket, prefix) = match parse_url(url) {
                        Ok(x) => x,
                        Err(e) => {
                            errors.push((url.clone(), e));
                            continue;
                        }
                    };
                    let mut keys = Vec::new();
                    match list(&client, &bucket, &prefix, window, &mut keys).await {
                        Ok(()) => objects.extend(keys.into_iter().map(|k| (bucket.clone(), k))),
                        Err(e) => errors.push((url.clone(), e)),
                    }
                }
                (client, objects)
            });
            let mut urls: Vec<String> = objects
                .iter()
                .map(|(b, k)| format!("s3://{b}/{k}"))
                .collect();
            let mut pairs: Vec<(String, (String, String))> = urls.drain(..).zip(objects).collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            pairs.dedup_by(|a, b| a.0 == b.0);
            let (urls, objects): (Vec<String>, Vec<(String, String)>) = pairs.into_iter().unzip();
            let index = urls
                .iter()
                .enumerate()
                .map(|(i, u)| (u.clone(), i))
                .collect();
            rt.spawn(download(client, objects, shared.clone()));
            Remote {
                rt: Some(rt),
                urls,
                index,
                shared,
            }
        }

        /// The objects' URLs as paths for the engine, in key order.
        pub fn files(&self) -> Vec<PathBuf> {
            self.urls.iter().map(PathBuf::from).collect()
        }

        /// The bytes of an object listed here (waits for its download); `None` for any other
        /// path. Each object is handed out once.
        pub fn read(&self, path: &Path) -> Option<Result<Vec<u8>, String>> {
            let i = *self.index.get(path.to_str()?)?;
            let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if st.requested <= i {
                st.requested = i + 1;
                self.shared.wake.notify_one();
            }
            loop {
                if let Some(b) = st.ready.remove(&i) {
                    return Some(b);
                }
                st = self
                    .shared
                    .ready
                    .wait(st)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    impl Drop for Remote {
        fn drop(&mut self) {
            if let Some(rt) = self.rt.take() {
                rt.shutdown_background();
            }
        }
    }

    /// Fetches every object in order: at most [`CONCURRENCY`] in flight, none more than
    /// [`AHEAD`] past the furthest requested one.
    async fn download(
        client: aws_sdk_s3::Client,
        objects: Vec<(String, String)>,
        shared: Arc<Shared>,
    ) {
        let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        for (i, (bucket, key)) in objects.into_iter().enumerate() {
            loop {
                let requested = shared
                    .state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .requested;
                if i < requested + AHEAD {
                    break;
                }
                shared.wake.notified().await;
            }
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (client, shared) = (client.clone(), shared.clone());
            tokio::spawn(async move {
                let bytes = get(&client, &bucket, &key).await;
                drop(permit);
                let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                st.ready.insert(i, bytes);
                shared.ready.notify_all();
            });
        }
    }

    async fn get(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Bytes {
        let out = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| format!("GetObject: {}", crate::aws::error_chain(&e)))?;
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| format!("GetObject body: {}", crate::aws::error_chain(&e)))?;
        Ok(body.into_bytes().to_vec())
    }

    /// One ListObjectsV2 listing (all pages): keys and, with the delimiter, sub-prefixes.
    async fn list_page(
        client: &aws_sdk_s3::Client,
        bucket: &str,
        prefix: &str,
        delimited: bool,
    ) -> Result<(Vec<String>, Vec<String>), String> {
        let mut keys = Vec::new();
        let mut dirs = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.take());
            if delimited {
                req = req.delimiter("/");
            }
            let out = req
                .send()
                .await
                .map_err(|e| format!("ListObjectsV2: {}", crate::aws::error_chain(&e)))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key())
                    .filter(|k| is_log_key(k))
                    .map(str::to_string),
            );
            dirs.extend(
                out.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix())
                    .map(str::to_string),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok((keys, dirs))
    }

    /// The log keys under `prefix`; with a window, only the date folders meeting it.
    async fn list(
        client: &aws_sdk_s3::Client,
        bucket: &str,
        prefix: &str,
        window: Option<(Day, Day)>,
        out: &mut Vec<String>,
    ) -> Result<(), String> {
        let Some(window) = window.filter(|_| prefix.is_empty() || prefix.ends_with('/')) else {
            let (keys, _) = list_page(client, bucket, prefix, false).await?;
            out.extend(keys);
            return Ok(());
        };
        // Iterative walk (no async recursion): prefixes still to look at.
        let mut todo = vec![prefix.to_string()];
        while let Some(p) = todo.pop() {
            match step(&p) {
                Step::All => out.extend(list_page(client, bucket, &p, false).await?.0),
                Step::Descend => {
                    let (keys, dirs) = list_page(client, bucket, &p, true).await?;
                    out.extend(keys);
                    todo.extend(dirs);
                }
                Step::Dates(fixed) => {
                    let (keys, dirs) = list_page(client, bucket, &p, true).await?;
                    out.extend(keys);
                    for d in dirs {
                        let name = d.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                        let mut parts = fixed.clone();
                        match name.parse::<i32>() {
                            Ok(n) => parts.push(n),
                            // Not a date folder: not the layout, read it all.
                            Err(_) => {
                                todo.push(d);
                                continue;
                            }
                        }
                        if meets(&parts, window) {
                            todo.push(d);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Without the `aws` feature there is nothing to read; [`usage_error`] stops the run first.
#[cfg(not(feature = "aws"))]
pub struct Remote;

#[cfg(not(feature = "aws"))]
impl Remote {
    pub fn open(
        urls: &[String],
        _since: Option<jiff::Timestamp>,
        _until: Option<jiff::Timestamp>,
        errors: &mut Vec<(String, String)>,
    ) -> Remote {
        for u in urls {
            errors.push((u.clone(), "s3:// inputs need the `aws` feature".into()));
        }
        Remote
    }

    pub fn files(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    pub fn read(&self, _path: &Path) -> Option<Result<Vec<u8>, String>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_partition() {
        assert_eq!(
            parse_url("s3://b/AWSLogs/1/").unwrap(),
            ("b".into(), "AWSLogs/1/".into())
        );
        assert_eq!(parse_url("s3://b").unwrap(), ("b".into(), "".into()));
        assert!(parse_url("s3:///x").is_err());
        let (l, r) = partition(&["a".into(), "s3://b/k".into()]);
        assert_eq!(l, [PathBuf::from("a")]);
        assert_eq!(r, ["s3://b/k"]);
        assert_eq!(display(Path::new("s3://b/k.json")), "s3://b/k.json");
    }

    #[test]
    fn layout_steps() {
        assert_eq!(step(""), Step::Descend);
        assert_eq!(step("AWSLogs/"), Step::Descend);
        assert_eq!(step("AWSLogs/o-x/123/CloudTrail/"), Step::Descend);
        assert_eq!(
            step("p/AWSLogs/123/CloudTrail/us-east-1/"),
            Step::Dates(vec![])
        );
        assert_eq!(
            step("AWSLogs/123/CloudTrail/us-east-1/2024/"),
            Step::Dates(vec![2024])
        );
        assert_eq!(
            step("AWSLogs/123/CloudTrail/us-east-1/2024/03/"),
            Step::Dates(vec![2024, 3])
        );
        assert_eq!(
            step("AWSLogs/123/CloudTrail/us-east-1/2024/03/05/"),
            Step::All
        );
        assert_eq!(step("AWSLogs/123/CloudTrail/us-east-1/x/"), Step::All);
        assert_eq!(step("logs/CloudTrail/us-east-1/"), Step::Descend);
    }

    #[test]
    fn window_is_a_day_wider_and_compares_by_prefix() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let w = day_window(
            Some(t("2024-03-01T05:00:00Z")),
            Some(t("2024-03-31T00:00:00Z")),
        )
        .unwrap();
        assert_eq!(w, ((2024, 2, 29), (2024, 4, 1)));
        assert!(meets(&[2024], w));
        assert!(!meets(&[2023], w));
        assert!(meets(&[2024, 2], w));
        assert!(!meets(&[2024, 5], w));
        assert!(meets(&[2024, 2, 29], w));
        assert!(!meets(&[2024, 2, 28], w));
        assert!(meets(&[2024, 4, 1], w));
        assert!(!meets(&[2024, 4, 2], w));
        let open = day_window(None, Some(t("2024-01-01T00:00:00Z"))).unwrap();
        assert!(meets(&[1999, 1, 1], open));
        assert!(!meets(&[2024, 1, 3], open));
        assert!(day_window(None, None).is_none());
        assert!(is_log_key("a/b.json.gz") && is_log_key("b.json") && !is_log_key("b.json.sig"));
    }
}
