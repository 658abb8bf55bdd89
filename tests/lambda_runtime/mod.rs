//! A Lambda Runtime API peer (2018-06-01) on a loopback port: hands out queued events on
//! `GET /runtime/invocation/next` and records every POST (response, error, init error).
//! When the queue is empty `/next` answers 410, which ends the runtime loop (exit 1).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Posted {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Posted {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} body is not JSON ({e}): {}", self.path, self.body))
    }
}

#[derive(Default)]
struct State {
    events: VecDeque<(String, String)>,
    posted: Vec<Posted>,
    served: usize,
}

pub struct RuntimeApi {
    pub addr: String,
    state: Arc<Mutex<State>>,
}

impl RuntimeApi {
    /// Starts the peer with these (request id, event JSON) pairs queued.
    pub fn start(events: &[(&str, &str)]) -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(State {
            events: events
                .iter()
                .map(|(i, e)| (i.to_string(), e.to_string()))
                .collect(),
            ..Default::default()
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let st = st.clone();
                std::thread::spawn(move || serve(conn, &st));
            }
        });
        RuntimeApi { addr, state }
    }

    pub fn posted(&self) -> Vec<Posted> {
        self.state.lock().unwrap().posted.clone()
    }

    pub fn served(&self) -> usize {
        self.state.lock().unwrap().served
    }
}

fn serve(conn: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut headers = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let (k, v) = (k.trim().to_string(), v.trim().to_string());
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.parse().unwrap_or(0);
                }
                headers.push((k, v));
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        let response = match (method.as_str(), path.as_str()) {
            ("GET", "/2018-06-01/runtime/invocation/next") => {
                let next = {
                    let mut s = state.lock().unwrap();
                    let n = s.events.pop_front();
                    if n.is_some() {
                        s.served += 1;
                    }
                    n
                };
                match next {
                    Some((id, event)) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: 4102444800000\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:cis\r\nLambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0\r\nContent-Length: {}\r\n\r\n{event}",
                        event.len()
                    ),
                    None => {
                        "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
                    }
                }
            }
            ("POST", p)
                if p.starts_with("/2018-06-01/runtime/invocation/")
                    || p == "/2018-06-01/runtime/init/error" =>
            {
                state.lock().unwrap().posted.push(Posted {
                    path: p.to_string(),
                    headers,
                    body,
                });
                "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
                    .into()
            }
            _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".into(),
        };
        if out.write_all(response.as_bytes()).is_err() || response.contains("Connection: close") {
            return;
        }
    }
}
