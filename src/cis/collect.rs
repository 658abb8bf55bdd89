//! Reads what the CIS controls need from a live account, concurrently: one task per
//! service and region, per-user IAM calls bounded by a semaphore, every list paginated.
//! A failed call becomes an `Err(reason)` on its fact (the control then WARNs); only the
//! caller identity is required for a run at all.

use crate::aws::error_chain;
use aws_config::SdkConfig;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// A fact read from the account, or why it could not be read.
pub type Fact<T> = Result<T, String>;

/// Which facts the included controls need.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    pub summary: bool,
    pub credential_report: bool,
    pub password_policy: bool,
    pub user_console: bool,
    pub user_policies: bool,
    pub public_access_block: bool,
    pub trails: bool,
    pub metric_alarms: bool,
    pub security_groups: bool,
}

impl Needs {
    pub fn for_controls(ids: &[&str]) -> Needs {
        let mut n = Needs::default();
        for id in ids {
            match *id {
                "CIS-1.4" | "CIS-1.5" => {
                    n.summary = true;
                    n.credential_report = true;
                }
                "CIS-1.8" | "CIS-1.9" => n.password_policy = true,
                "CIS-1.10" => {
                    n.credential_report = true;
                    n.user_console = true;
                }
                "CIS-1.15" => n.user_policies = true,
                "CIS-2.1.5" => n.public_access_block = true,
                "CIS-3.1" | "CIS-3.2" => n.trails = true,
                "CIS-4.1" => {
                    n.trails = true;
                    n.metric_alarms = true;
                }
                "CIS-5.2" => n.security_groups = true,
                _ => {}
            }
        }
        n
    }

    fn regional(&self) -> bool {
        self.trails || self.security_groups
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub minimum_length: Option<i32>,
    pub reuse_prevention: Option<i32>,
}

/// One row of the IAM credential report (only the columns the controls read).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialRow {
    pub user: String,
    pub password_enabled: Option<bool>,
    pub mfa_active: Option<bool>,
    pub access_key_1_active: Option<bool>,
    pub access_key_2_active: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFacts {
    pub name: String,
    /// Has a console password (a login profile).
    pub console: Fact<bool>,
    pub mfa_devices: Fact<usize>,
    pub attached_policies: Fact<Vec<String>>,
    pub inline_policies: Fact<Vec<String>>,
}

/// Management-event coverage of a trail's event selectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Management {
    /// Read and write management events are logged.
    All,
    /// Only some or none; the text says which.
    Partial(String),
    /// No selectors of either kind were returned.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailFacts {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub multi_region: bool,
    pub log_file_validation: bool,
    pub log_group_arn: Option<String>,
    pub logging: Fact<bool>,
    pub management: Fact<Management>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricFilter {
    pub name: String,
    pub pattern: String,
    /// (namespace, metric name) pairs.
    pub metrics: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alarm {
    pub name: String,
    pub namespace: Option<String>,
    pub metric: Option<String>,
    pub actions: Vec<String>,
}

/// An ingress rule of a security group (from DescribeSecurityGroupRules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SgRule {
    pub region: String,
    pub group_id: String,
    pub rule_id: String,
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
}

/// Everything one run read. Facts not needed by the included controls stay `None`.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub account: String,
    pub home_region: String,
    pub regions: Vec<String>,
    /// Regions that could not be listed or checked, with why.
    pub region_errors: Vec<(String, String)>,
    pub summary: Option<Fact<BTreeMap<String, i32>>>,
    pub credential_report: Option<Fact<Vec<CredentialRow>>>,
    /// `Ok(None)`: the account has no password policy.
    pub password_policy: Option<Fact<Option<PasswordPolicy>>>,
    pub users: Option<Fact<Vec<UserFacts>>>,
    /// `Ok(None)`: no account-level Block Public Access configuration.
    pub public_access_block: Option<Fact<Option<[bool; 4]>>>,
    /// All trails, deduplicated by ARN, from every checked region.
    pub trails: Option<Fact<Vec<TrailFacts>>>,
    /// Metric filters per (region, log group name).
    pub metric_filters: BTreeMap<(String, String), Fact<Vec<MetricFilter>>>,
    /// Alarms per region.
    pub alarms: BTreeMap<String, Fact<Vec<Alarm>>>,
    /// Ingress rules per region.
    pub security_groups: BTreeMap<String, Fact<Vec<SgRule>>>,
}

/// Why a whole run cannot start (no credentials, endpoint unreachable).
#[derive(Debug)]
pub struct Fatal(pub String);

/// Concurrent per-user IAM calls (IAM throttles hard above this).
const USER_CONCURRENCY: usize = 8;

fn err(op: &str, e: &(dyn std::error::Error + 'static)) -> String {
    format!("{op}: {}", error_chain(e))
}

/// Reads the facts `needs` asks for. `regions`: restrict regional checks to these
/// (otherwise every enabled region of the account).
pub async fn collect(
    conf: &SdkConfig,
    needs: Needs,
    regions: Option<&[String]>,
) -> Result<Facts, Fatal> {
    let home_region = conf
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let sts = aws_sdk_sts::Client::new(conf);
    let who = sts.get_caller_identity().send().await.map_err(|e| {
        Fatal(format!(
            "cannot identify the account (credentials or endpoint): {}",
            error_chain(&e)
        ))
    })?;
    let account = who.account().unwrap_or_default().to_string();
    let mut facts = Facts {
        account: account.clone(),
        home_region: home_region.clone(),
        ..Default::default()
    };

    if needs.regional() {
        match regions {
            Some(r) => facts.regions = r.to_vec(),
            None => match enabled_regions(conf).await {
                Ok(r) => facts.regions = r,
                Err(e) => {
                    facts.region_errors.push((home_region.clone(), e.clone()));
                    facts.regions = vec![home_region.clone()];
                }
            },
        }
    }

    let iam = aws_sdk_iam::Client::new(conf);
    let (summary, report, policy, users, pab, trails, sgs) = tokio::join!(
        async {
            if needs.summary {
                Some(account_summary(&iam).await)
            } else {
                None
            }
        },
        async {
            if needs.credential_report {
                Some(credential_report(&iam).await)
            } else {
                None
            }
        },
        async {
            if needs.password_policy {
                Some(password_policy(&iam).await)
            } else {
                None
            }
        },
        async {
            if needs.user_console || needs.user_policies {
                Some(users(&iam, needs).await)
            } else {
                None
            }
        },
        async {
            if needs.public_access_block {
                Some(public_access_block(conf, &account).await)
            } else {
                None
            }
        },
        async {
            if needs.trails {
                Some(trails(conf, &facts.regions).await)
            } else {
                None
            }
        },
        async {
            if needs.security_groups {
                security_groups(conf, &facts.regions).await
            } else {
                BTreeMap::new()
            }
        },
    );
    facts.summary = summary;
    facts.credential_report = report;
    facts.password_policy = policy;
    facts.users = users;
    facts.public_access_block = pab;
    facts.security_groups = sgs;
    if let Some(Ok(trails)) = &trails
        && needs.metric_alarms
    {
        let (filters, alarms) = metric_alarms(conf, trails).await;
        facts.metric_filters = filters;
        facts.alarms = alarms;
    }
    facts.trails = trails;
    Ok(facts)
}

async fn enabled_regions(conf: &SdkConfig) -> Fact<Vec<String>> {
    let ec2 = aws_sdk_ec2::Client::new(conf);
    let out = ec2
        .describe_regions()
        .send()
        .await
        .map_err(|e| err("ec2:DescribeRegions", &e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| {
            r.opt_in_status()
                .is_none_or(|s| s == "opt-in-not-required" || s == "opted-in")
        })
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        return Err("ec2:DescribeRegions returned no regions".into());
    }
    Ok(regions)
}

async fn account_summary(iam: &aws_sdk_iam::Client) -> Fact<BTreeMap<String, i32>> {
    let out = iam
        .get_account_summary()
        .send()
        .await
        .map_err(|e| err("iam:GetAccountSummary", &e))?;
    Ok(out
        .summary_map()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str().to_string(), *v))
                .collect()
        })
        .unwrap_or_default())
}

async fn password_policy(iam: &aws_sdk_iam::Client) -> Fact<Option<PasswordPolicy>> {
    match iam.get_account_password_policy().send().await {
        Ok(out) => Ok(out.password_policy().map(|p| PasswordPolicy {
            minimum_length: p.minimum_password_length(),
            reuse_prevention: p.password_reuse_prevention(),
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(err("iam:GetAccountPasswordPolicy", &e)),
    }
}

/// Generates the credential report and polls until it is COMPLETE (bounded).
async fn credential_report(iam: &aws_sdk_iam::Client) -> Fact<Vec<CredentialRow>> {
    use aws_sdk_iam::types::ReportStateType;
    let mut delay = std::time::Duration::from_millis(200);
    for _ in 0..12 {
        let out = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| err("iam:GenerateCredentialReport", &e))?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(3));
    }
    let out = iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| err("iam:GetCredentialReport", &e))?;
    let text = out
        .content()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
        .unwrap_or_default();
    parse_credential_report(&text)
}

/// The report is plain CSV without quoting (user names cannot contain commas).
pub fn parse_credential_report(text: &str) -> Fact<Vec<CredentialRow>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or("iam:GetCredentialReport: empty report")?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let user = col("user").ok_or("iam:GetCredentialReport: no `user` column")?;
    let (pw, mfa, k1, k2) = (
        col("password_enabled"),
        col("mfa_active"),
        col("access_key_1_active"),
        col("access_key_2_active"),
    );
    let flag = |cells: &[&str], i: Option<usize>| -> Option<bool> {
        match cells.get(i?)?.trim() {
            "true" | "TRUE" => Some(true),
            "false" | "FALSE" => Some(false),
            _ => None,
        }
    };
    Ok(lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            CredentialRow {
                user: cells.get(user).unwrap_or(&"").trim().to_string(),
                password_enabled: flag(&cells, pw),
                mfa_active: flag(&cells, mfa),
                access_key_1_active: flag(&cells, k1),
                access_key_2_active: flag(&cells, k2),
            }
        })
        .collect())
}

/// Follows IAM `Marker` pagination: `$call` is a fluent builder without the marker,
/// `$take` maps one page to the items it adds. Errors return `Err` from the caller.
macro_rules! iam_pages {
    ($call:expr, $op:literal, $take:expr) => {{
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = $call
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| err($op, &e))?;
            items.extend(($take)(&out));
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        items
    }};
}

async fn list_user_names(iam: &aws_sdk_iam::Client) -> Fact<Vec<String>> {
    let mut names: Vec<String> = iam_pages!(
        iam.list_users(),
        "iam:ListUsers",
        |o: &aws_sdk_iam::operation::list_users::ListUsersOutput| {
            o.users()
                .iter()
                .map(|u| u.user_name().to_string())
                .collect::<Vec<_>>()
        }
    );
    names.sort();
    Ok(names)
}

async fn users(iam: &aws_sdk_iam::Client, needs: Needs) -> Fact<Vec<UserFacts>> {
    let names = list_user_names(iam).await?;
    let gate = Arc::new(Semaphore::new(USER_CONCURRENCY));
    let mut set = JoinSet::new();
    for (i, name) in names.into_iter().enumerate() {
        let iam = iam.clone();
        let gate = gate.clone();
        set.spawn(async move {
            let _permit = gate.acquire_owned().await;
            (i, user_facts(&iam, name, needs).await)
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(pair) => out.push(pair),
            Err(e) => return Err(format!("IAM user task failed: {e}")),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, u)| u).collect())
}

fn skipped<T>() -> Fact<T> {
    Err("not read (control not included)".to_string())
}

async fn user_facts(iam: &aws_sdk_iam::Client, name: String, needs: Needs) -> UserFacts {
    let console = async {
        if !needs.user_console {
            return skipped::<_>();
        }
        match iam.get_login_profile().user_name(&name).send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("iam:GetLoginProfile", &e)),
        }
    };
    let mfa = async {
        if !needs.user_console {
            return skipped::<_>();
        }
        let devices: Vec<()> = iam_pages!(
            iam.list_mfa_devices().user_name(&name),
            "iam:ListMFADevices",
            |o: &aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput| {
                vec![(); o.mfa_devices().len()]
            }
        );
        Ok(devices.len())
    };
    let attached = async {
        if !needs.user_policies {
            return skipped::<_>();
        }
        Ok(iam_pages!(
            iam.list_attached_user_policies().user_name(&name),
            "iam:ListAttachedUserPolicies",
            |o: &aws_sdk_iam::operation::list_attached_user_policies::ListAttachedUserPoliciesOutput| {
                o.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect::<Vec<_>>()
            }
        ))
    };
    let inline = async {
        if !needs.user_policies {
            return skipped::<_>();
        }
        Ok(iam_pages!(
            iam.list_user_policies().user_name(&name),
            "iam:ListUserPolicies",
            |o: &aws_sdk_iam::operation::list_user_policies::ListUserPoliciesOutput| {
                o.policy_names().to_vec()
            }
        ))
    };
    let (console, mfa_devices, attached_policies, inline_policies) =
        tokio::join!(console, mfa, attached, inline);
    UserFacts {
        name,
        console,
        mfa_devices,
        attached_policies,
        inline_policies,
    }
}

async fn public_access_block(conf: &SdkConfig, account: &str) -> Fact<Option<[bool; 4]>> {
    let client = crate::aws::s3control(conf);
    match client
        .get_public_access_block()
        .account_id(account)
        .send()
        .await
    {
        Ok(out) => Ok(out.public_access_block_configuration().map(|c| {
            [
                c.block_public_acls().unwrap_or(false),
                c.ignore_public_acls().unwrap_or(false),
                c.block_public_policy().unwrap_or(false),
                c.restrict_public_buckets().unwrap_or(false),
            ]
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_public_access_block_configuration()) =>
        {
            Ok(None)
        }
        Err(e) => {
            // Some S3 Control implementations answer a missing configuration with a bare 404.
            if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) {
                Ok(None)
            } else {
                Err(err("s3:GetAccountPublicAccessBlock", &e))
            }
        }
    }
}

/// Trails homed in each region (no shadow copies), their status and selectors.
async fn trails(conf: &SdkConfig, regions: &[String]) -> Fact<Vec<TrailFacts>> {
    let mut set = JoinSet::new();
    for region in regions {
        let conf = crate::aws::in_region(conf, region);
        let region = region.clone();
        set.spawn(async move {
            let client = aws_sdk_cloudtrail::Client::new(&conf);
            let r = client
                .describe_trails()
                .include_shadow_trails(false)
                .send()
                .await;
            let r = match r {
                Ok(out) => {
                    let mut v = Vec::new();
                    for t in out.trail_list() {
                        let (Some(name), Some(arn)) = (t.name(), t.trail_arn()) else {
                            continue;
                        };
                        let home = t.home_region().unwrap_or(&region).to_string();
                        let (logging, management) = tokio::join!(
                            trail_logging(&client, arn),
                            trail_management(&client, arn)
                        );
                        v.push(TrailFacts {
                            name: name.to_string(),
                            arn: arn.to_string(),
                            home_region: home,
                            multi_region: t.is_multi_region_trail().unwrap_or(false),
                            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
                            log_group_arn: t
                                .cloud_watch_logs_log_group_arn()
                                .filter(|s| !s.is_empty())
                                .map(str::to_string),
                            logging,
                            management,
                        });
                    }
                    Ok(v)
                }
                Err(e) => Err(format!(
                    "{region}: {}",
                    err("cloudtrail:DescribeTrails", &e)
                )),
            };
            (region, r)
        });
    }
    let mut all: BTreeMap<String, TrailFacts> = BTreeMap::new();
    let mut errors = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok((_, Ok(v))) => {
                for t in v {
                    all.entry(t.arn.clone()).or_insert(t);
                }
            }
            Ok((_, Err(e))) => errors.push(e),
            Err(e) => errors.push(format!("trail task failed: {e}")),
        }
    }
    if !errors.is_empty() && all.is_empty() {
        errors.sort();
        return Err(errors.join("; "));
    }
    Ok(all.into_values().collect())
}

async fn trail_logging(client: &aws_sdk_cloudtrail::Client, arn: &str) -> Fact<bool> {
    client
        .get_trail_status()
        .name(arn)
        .send()
        .await
        .map(|s| s.is_logging().unwrap_or(false))
        .map_err(|e| err("cloudtrail:GetTrailStatus", &e))
}

async fn trail_management(client: &aws_sdk_cloudtrail::Client, arn: &str) -> Fact<Management> {
    let out = client
        .get_event_selectors()
        .trail_name(arn)
        .send()
        .await
        .map_err(|e| err("cloudtrail:GetEventSelectors", &e))?;
    Ok(management_coverage(&out))
}

/// Basic selectors: one with IncludeManagementEvents and ReadWriteType All. Advanced
/// selectors: one selecting eventCategory Management without narrowing readOnly.
pub fn management_coverage(
    out: &aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput,
) -> Management {
    use aws_sdk_cloudtrail::types::ReadWriteType;
    let basic = out.event_selectors();
    let advanced = out.advanced_event_selectors();
    if basic.is_empty() && advanced.is_empty() {
        return Management::Unknown;
    }
    let mut seen = Vec::new();
    for s in basic {
        let mgmt = s.include_management_events().unwrap_or(true);
        let rw = s.read_write_type().cloned().unwrap_or(ReadWriteType::All);
        if mgmt && rw == ReadWriteType::All {
            return Management::All;
        }
        seen.push(format!(
            "selector IncludeManagementEvents={mgmt} ReadWriteType={}",
            rw.as_str()
        ));
    }
    for s in advanced {
        let fields = s.field_selectors();
        let management = fields.iter().any(|f| {
            f.field().eq_ignore_ascii_case("eventCategory")
                && f.equals().iter().any(|v| v == "Management")
        });
        let read_only_narrowed = fields
            .iter()
            .any(|f| f.field().eq_ignore_ascii_case("readOnly"));
        if management && !read_only_narrowed {
            return Management::All;
        }
        seen.push(format!(
            "advanced selector {:?}: management={management} readOnly narrowed={read_only_narrowed}",
            s.name().unwrap_or("")
        ));
    }
    Management::Partial(seen.join("; "))
}

/// Metric filters of every trail log group and the alarms of their regions.
async fn metric_alarms(
    conf: &SdkConfig,
    trails: &[TrailFacts],
) -> (
    BTreeMap<(String, String), Fact<Vec<MetricFilter>>>,
    BTreeMap<String, Fact<Vec<Alarm>>>,
) {
    let groups: BTreeSet<(String, String)> = trails
        .iter()
        .filter_map(|t| t.log_group_arn.as_deref())
        .filter_map(crate::cis::remediate::log_group_from_arn)
        .collect();
    let regions: BTreeSet<String> = groups.iter().map(|(r, _)| r.clone()).collect();
    let mut filters = JoinSet::new();
    for (region, group) in groups {
        let conf = crate::aws::in_region(conf, &region);
        filters.spawn(async move {
            let client = aws_sdk_cloudwatchlogs::Client::new(&conf);
            let mut v = Vec::new();
            let mut token: Option<String> = None;
            let r = loop {
                match client
                    .describe_metric_filters()
                    .log_group_name(&group)
                    .set_next_token(token.take())
                    .send()
                    .await
                {
                    Ok(out) => {
                        for f in out.metric_filters() {
                            v.push(MetricFilter {
                                name: f.filter_name().unwrap_or_default().to_string(),
                                pattern: f.filter_pattern().unwrap_or_default().to_string(),
                                metrics: f
                                    .metric_transformations()
                                    .iter()
                                    .map(|m| {
                                        (
                                            m.metric_namespace().to_string(),
                                            m.metric_name().to_string(),
                                        )
                                    })
                                    .collect(),
                            });
                        }
                        match out.next_token() {
                            Some(t) if !t.is_empty() => token = Some(t.to_string()),
                            _ => break Ok(v),
                        }
                    }
                    Err(e) => break Err(err("logs:DescribeMetricFilters", &e)),
                }
            };
            ((region, group), r)
        });
    }
    let mut alarms = JoinSet::new();
    for region in regions {
        let conf = crate::aws::in_region(conf, &region);
        alarms.spawn(async move {
            let client = aws_sdk_cloudwatch::Client::new(&conf);
            let mut v = Vec::new();
            let mut token: Option<String> = None;
            let r = loop {
                match client
                    .describe_alarms()
                    .set_next_token(token.take())
                    .send()
                    .await
                {
                    Ok(out) => {
                        for a in out.metric_alarms() {
                            v.push(Alarm {
                                name: a.alarm_name().unwrap_or_default().to_string(),
                                namespace: a.namespace().map(str::to_string),
                                metric: a.metric_name().map(str::to_string),
                                actions: a.alarm_actions().to_vec(),
                            });
                        }
                        match out.next_token() {
                            Some(t) if !t.is_empty() => token = Some(t.to_string()),
                            _ => break Ok(v),
                        }
                    }
                    Err(e) => break Err(err("cloudwatch:DescribeAlarms", &e)),
                }
            };
            (region, r)
        });
    }
    let mut f_out = BTreeMap::new();
    while let Some(r) = filters.join_next().await {
        if let Ok((k, v)) = r {
            f_out.insert(k, v);
        }
    }
    let mut a_out = BTreeMap::new();
    while let Some(r) = alarms.join_next().await {
        if let Ok((k, v)) = r {
            a_out.insert(k, v);
        }
    }
    (f_out, a_out)
}

async fn security_groups(
    conf: &SdkConfig,
    regions: &[String],
) -> BTreeMap<String, Fact<Vec<SgRule>>> {
    let mut set = JoinSet::new();
    for region in regions {
        let conf = crate::aws::in_region(conf, region);
        let region = region.clone();
        set.spawn(async move {
            let client = aws_sdk_ec2::Client::new(&conf);
            let mut v = Vec::new();
            let mut token: Option<String> = None;
            let r = loop {
                match client
                    .describe_security_group_rules()
                    .set_next_token(token.take())
                    .send()
                    .await
                {
                    Ok(out) => {
                        for r in out.security_group_rules() {
                            if r.is_egress().unwrap_or(false) {
                                continue;
                            }
                            v.push(SgRule {
                                region: region.clone(),
                                group_id: r.group_id().unwrap_or_default().to_string(),
                                rule_id: r.security_group_rule_id().unwrap_or_default().to_string(),
                                protocol: r.ip_protocol().unwrap_or("-1").to_string(),
                                from_port: r.from_port(),
                                to_port: r.to_port(),
                                cidr_ipv4: r.cidr_ipv4().map(str::to_string),
                                cidr_ipv6: r.cidr_ipv6().map(str::to_string),
                            });
                        }
                        match out.next_token() {
                            Some(t) if !t.is_empty() => token = Some(t.to_string()),
                            _ => break Ok(v),
                        }
                    }
                    Err(e) => break Err(err("ec2:DescribeSecurityGroupRules", &e)),
                }
            };
            (region, r)
        });
    }
    let mut out = BTreeMap::new();
    while let Some(r) = set.join_next().await {
        if let Ok((region, v)) = r {
            out.insert(region, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_report_rows() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_2_active\n\
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,false,true,N/A,false\n\
alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,N/A,N/A,N/A,false,false,N/A,false\n";
        let rows = parse_credential_report(csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].user, "<root_account>");
        assert_eq!(rows[0].password_enabled, None);
        assert_eq!(rows[0].access_key_1_active, Some(true));
        assert_eq!(rows[1].password_enabled, Some(true));
        assert_eq!(rows[1].mfa_active, Some(false));
        assert!(parse_credential_report("").is_err());
        assert!(parse_credential_report("a,b\n1,2").is_err());
    }

    #[test]
    fn needs_follow_controls() {
        let n = Needs::for_controls(&["CIS-1.4"]);
        assert!(n.summary && n.credential_report && !n.regional());
        let n = Needs::for_controls(&["CIS-4.1"]);
        assert!(n.trails && n.metric_alarms && n.regional());
    }
}
