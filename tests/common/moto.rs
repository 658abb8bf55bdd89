//! A real moto server (`moto[server]` from PyPI) on a free loopback port, for tests that
//! drive the real AWS SDK. `.ci/run` installs it into .tools/venv and sets
//! GUARDRAILS_MOTO_SERVER; without it, `moto_server` must be on PATH. A missing server is
//! a test failure, never a skip.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub endpoint: String,
    pub port: u16,
}

impl Moto {
    pub fn start() -> Moto {
        let bin = std::env::var("GUARDRAILS_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto server {bin:?}: {e}; .ci/run installs it (moto[server] into .tools/venv)")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut moto = Moto {
            child,
            endpoint,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto server exited at start: {status}");
            }
            if ureq::get(&format!("{}/moto-api/data.json", moto.endpoint))
                .call()
                .is_ok()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto server did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Environment for the binary and for boto3: fake credentials, this endpoint, no
    /// profile or IMDS lookups.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_SESSION_TOKEN", "testing".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ]
    }

    /// A `guardrails` command with this server's environment.
    pub fn guardrails(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guardrails"));
        for k in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ] {
            c.env_remove(k);
        }
        c.envs(self.env());
        c
    }

    /// Runs a Python script (boto3 comes with moto) against this server; panics with its
    /// output when it fails. Returns stdout.
    pub fn python(&self, script: &Path, args: &[&str]) -> String {
        let o = Command::new(python())
            .arg(script)
            .arg(&self.endpoint)
            .args(args)
            .envs(self.env())
            .output()
            .unwrap_or_else(|e| panic!("python {}: {e}", script.display()));
        assert!(
            o.status.success(),
            "{} failed:\n{}{}",
            script.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Runs inline Python (`endpoint` is sys.argv[1]); returns stdout.
    pub fn python_inline(&self, code: &str) -> String {
        let dir =
            std::env::temp_dir().join(format!("gr-moto-{}-{}", std::process::id(), self.port));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("s{}.py", fastrand_name()));
        std::fs::write(&path, code).unwrap();
        let out = self.python(&path, &[]);
        let _ = std::fs::remove_file(&path);
        out
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python that has boto3 (the moto venv's): GUARDRAILS_PYTHON, else the interpreter
/// next to GUARDRAILS_MOTO_SERVER, else python3.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("GUARDRAILS_PYTHON") {
        return p.into();
    }
    if let Ok(m) = std::env::var("GUARDRAILS_MOTO_SERVER") {
        let p = Path::new(&m).with_file_name("python");
        if p.exists() {
            return p;
        }
    }
    "python3".into()
}

fn fastrand_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}", N.fetch_add(1, Ordering::Relaxed))
}
