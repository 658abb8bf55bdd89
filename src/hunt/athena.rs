//! `guardrails athena`: the Athena/Glue query pack — the CloudTrail table DDL with partition
//! projection plus one query per built-in detection that can run as a single SQL statement.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{EXIT_INTERNAL, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct AthenaArgs {
    /// Where the CloudTrail logs are: s3://bucket/AWSLogs/<account>/CloudTrail
    /// (or s3://bucket/AWSLogs/<org-id>/<account>/CloudTrail for an organisation trail).
    #[arg(long)]
    pub location: String,
    /// Glue database the table lives in.
    #[arg(long, default_value = "default")]
    pub database: String,
    /// Table name.
    #[arg(long, default_value = "cloudtrail_logs")]
    pub table: String,
    /// Regions the pack treats as expected (comma-separated); used by region-aware detections.
    #[arg(long, value_delimiter = ',')]
    pub trusted_regions: Vec<String>,
    /// Networks the pack treats as expected (comma-separated CIDRs).
    #[arg(long, value_delimiter = ',')]
    pub trusted_cidrs: Vec<ipnet::IpNet>,
    /// First day to query (YYYY-MM-DD); becomes a partition `timestamp` predicate.
    #[arg(long)]
    pub since: Option<jiff::civil::Date>,
    /// Last day to query (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub until: Option<jiff::civil::Date>,
    /// Directory to write the DDL and queries into.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

const DDL: &str = include_str!("athena/ddl.sql");

/// (rule id, file stem, SQL template). Each query selects `eventid` of every supporting event.
const QUERIES: &[(&str, &str, &str)] = &[
    (
        "ATH003",
        "ATH003_console_login_no_mfa",
        include_str!("athena/ATH003_console_login_no_mfa.sql"),
    ),
    (
        "ATH005",
        "ATH005_root_activity",
        include_str!("athena/ATH005_root_activity.sql"),
    ),
];

/// Commercial regions CloudTrail writes to; the enum projection needs them listed.
const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

pub fn run(args: &AthenaArgs) -> ExitCode {
    let location = match check_location(&args.location) {
        Ok(l) => l,
        Err(why) => {
            eprintln!("guardrails athena: --location {}: {why}", args.location);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    for (flag, name) in [("--database", &args.database), ("--table", &args.table)] {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            eprintln!("guardrails athena: {flag} {name}: use letters, digits and _ only");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if let (Some(s), Some(u)) = (args.since, args.until)
        && s > u
    {
        eprintln!("guardrails athena: --since {s} is after --until {u}");
        return ExitCode::from(EXIT_USAGE);
    }
    match write_pack(args, &location) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("guardrails athena: {}: {e}", args.out_dir.display());
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

/// The trail prefix without a trailing slash, or why it cannot be one.
fn check_location(raw: &str) -> Result<String, &'static str> {
    let rest = raw.strip_prefix("s3://").ok_or("must start with s3://")?;
    let rest = rest.trim_end_matches('/');
    let (bucket, key) = rest
        .split_once('/')
        .ok_or("needs a bucket and a key prefix")?;
    if bucket.is_empty() || bucket.contains(char::is_whitespace) {
        return Err("bad bucket name");
    }
    if !key.starts_with("AWSLogs/") && !key.contains("/AWSLogs/") {
        return Err("expected .../AWSLogs/<account>/CloudTrail");
    }
    if !key.ends_with("/CloudTrail") {
        return Err("must end at the CloudTrail prefix (region folders follow it)");
    }
    if raw.contains(['\'', '$', '{', '}']) {
        return Err("quotes, $ and braces are not allowed");
    }
    Ok(format!("s3://{rest}"))
}

fn table_name(args: &AthenaArgs) -> String {
    format!("{}.{}", args.database, args.table)
}

/// Partition predicate: `timestamp` is the day folder, yyyy/MM/dd, so string order is date order.
fn time_filter(args: &AthenaArgs) -> String {
    let mut f = String::new();
    if let Some(s) = args.since {
        let _ = write!(f, "AND \"timestamp\" >= '{}'", s.strftime("%Y/%m/%d"));
    }
    if let Some(u) = args.until {
        if !f.is_empty() {
            f.push_str("\n  ");
        }
        let _ = write!(f, "AND \"timestamp\" <= '{}'", u.strftime("%Y/%m/%d"));
    }
    f
}

fn render(template: &str, args: &AthenaArgs, location: &str) -> String {
    let start = args
        .since
        .map(|d| d.strftime("%Y/%m/%d").to_string())
        .unwrap_or_else(|| "2013/11/01".to_string());
    template
        .replace("{table}", &table_name(args))
        .replace("{location}", location)
        .replace("{regions}", &REGIONS.join(","))
        .replace("{range_start}", &start)
        .replace("{time_filter}", &time_filter(args))
}

fn write_pack(args: &AthenaArgs, location: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(&args.out_dir)?;
    let dir: &Path = &args.out_dir;
    std::fs::write(
        dir.join("cloudtrail_table.sql"),
        render(DDL, args, location),
    )?;
    for (_, stem, sql) in QUERIES {
        std::fs::write(dir.join(format!("{stem}.sql")), render(sql, args, location))?;
    }
    std::fs::write(dir.join("README.md"), readme(args))?;
    Ok(())
}

fn readme(args: &AthenaArgs) -> String {
    let mut r = String::from("# guardrails Athena query pack\n\n");
    r.push_str(
        "1. Run `cloudtrail_table.sql` once in the Athena console (or \
         `aws athena start-query-execution --query-string file://cloudtrail_table.sql \
         --result-configuration OutputLocation=s3://<results-bucket>/`). It creates the table \
         with partition projection on `region` and `timestamp` (day), so no \
         `MSCK REPAIR TABLE` or crawler is needed.\n",
    );
    let _ = writeln!(
        r,
        "2. Run each `ATH*.sql`; every row is one supporting event (`eventid`), the same ids \
         `guardrails hunt --format json` reports in `events.event_ids`.\n\
         3. Add `AND region = 'us-east-1'` or narrow the `timestamp` predicate to scan less data.\n\n\
         Table: `{}`.",
        table_name(args)
    );
    if args.since.is_some() || args.until.is_some() {
        let _ = writeln!(r, "Time range: {}.", time_filter(args).replace('\n', " "));
    }
    if !args.trusted_regions.is_empty() || !args.trusted_cidrs.is_empty() {
        let cidrs: Vec<String> = args.trusted_cidrs.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(
            r,
            "Trusted regions: {}; trusted CIDRs: {}.",
            args.trusted_regions.join(", "),
            cidrs.join(", ")
        );
    }
    r.push_str("\nQueries:\n");
    for (id, stem, _) in QUERIES {
        let _ = writeln!(r, "- `{stem}.sql` ({id})");
    }
    r
}

#[cfg(test)]
mod tests {
    use super::check_location;

    #[test]
    fn location_must_be_a_trail_prefix() {
        assert_eq!(
            check_location("s3://b/AWSLogs/111122223333/CloudTrail/").unwrap(),
            "s3://b/AWSLogs/111122223333/CloudTrail"
        );
        assert!(check_location("s3://b/AWSLogs/o-abc/111122223333/CloudTrail").is_ok());
        for bad in [
            "b/AWSLogs/1/CloudTrail",
            "s3://b",
            "s3:///AWSLogs/1/CloudTrail",
            "s3://b/logs/1/CloudTrail",
            "s3://b/AWSLogs/1",
            "s3://b/AWSLogs/1'x/CloudTrail",
        ] {
            assert!(check_location(bad).is_err(), "{bad}");
        }
    }
}
