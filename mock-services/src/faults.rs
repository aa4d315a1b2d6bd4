//! Fault rules: `SERVICE:METHOD:PATH-GLOB=ANSWER[*N]`, for every service,
//! from `imgsig-mock --fault`, the configuration file's `faults` or
//! [`Faults::add`] while the cloud runs.
//!
//! Each request is matched against the rules in the order they were added.
//! A matching `delay-MS` rule waits and matching goes on; the first
//! matching status or `reset` rule is the answer. A rule with `*N` applies
//! to the first N matching requests of each distinct path only (the
//! 100 001st distinct path a rule sees is left alone: the counts are
//! bounded).

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::{MockError, Service};

/// The longest `delay-MS` (ten minutes).
pub const MAX_DELAY_MS: u64 = 600_000;

/// How many distinct paths one `*N` rule counts before it stops applying
/// to new ones.
const MAX_COUNTED_PATHS: usize = 100_000;

/// The syntax, for error messages.
const SYNTAX: &str = "SERVICE:METHOD:PATH-GLOB=ANSWER[*N], e.g. glance:DELETE:/v2/images/*=503*1";

/// What a request that matches a rule gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAnswer {
    /// This status (400–599) with the service's usual error body.
    Status(StatusCode),
    /// The connection is dropped without an answer.
    Reset,
    /// The request waits this long, then goes on to later rules and the
    /// service.
    Delay(Duration),
}

impl fmt::Display for FaultAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAnswer::Status(s) => write!(f, "{}", s.as_u16()),
            FaultAnswer::Reset => f.write_str("reset"),
            FaultAnswer::Delay(d) => write!(f, "delay-{}", d.as_millis()),
        }
    }
}

impl FromStr for FaultAnswer {
    type Err = String;

    fn from_str(s: &str) -> Result<FaultAnswer, String> {
        if s == "reset" {
            return Ok(FaultAnswer::Reset);
        }
        if let Some(ms) = s.strip_prefix("delay-") {
            return ms
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= MAX_DELAY_MS)
                .map(|ms| FaultAnswer::Delay(Duration::from_millis(ms)))
                .ok_or_else(|| {
                    format!(
                        "{s:?}: MS in delay-MS must be a whole number of milliseconds from 0 \
                         to {MAX_DELAY_MS}"
                    )
                });
        }
        match s.parse::<u16>() {
            Ok(code @ 400..=599) => StatusCode::from_u16(code)
                .map(FaultAnswer::Status)
                .map_err(|e| e.to_string()),
            Ok(_) => Err(format!(
                "{s:?}: a fault's status must be an error status, 400 to 599"
            )),
            Err(_) => Err(format!(
                "unknown answer {s:?}: an HTTP status (400 to 599), reset, or delay-MS"
            )),
        }
    }
}

/// A path pattern: `*` matches any run of characters but `/`, `**` any
/// run including `/`, `?` one character but `/`; everything else matches
/// itself. Matched against the request path without its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob {
    text: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Segment,
    /// `**`
    Any,
}

impl PathGlob {
    /// The pattern `text` (it must start with `/`).
    pub fn new(text: &str) -> Result<PathGlob, String> {
        if !text.starts_with('/') {
            return Err(format!("the path glob {text:?} must start with /"));
        }
        let mut tokens = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    Token::Any
                }
                '*' => Token::Segment,
                '?' => Token::One,
                c if c.is_whitespace() || c.is_control() => {
                    return Err(format!(
                        "the path glob {text:?} holds whitespace or a control character"
                    ))
                }
                c => Token::Char(c),
            });
        }
        Ok(PathGlob {
            text: text.to_owned(),
            tokens,
        })
    }

    /// Whether `path` matches (time: pattern length × path length).
    pub fn matches(&self, path: &str) -> bool {
        let path: Vec<char> = path.chars().collect();
        // can[j]: the tokens so far can consume exactly path[..j].
        let mut can = vec![false; path.len() + 1];
        can[0] = true;
        for token in &self.tokens {
            let mut next = vec![false; path.len() + 1];
            match token {
                Token::Char(c) => {
                    for j in 0..path.len() {
                        next[j + 1] = can[j] && path[j] == *c;
                    }
                }
                Token::One => {
                    for j in 0..path.len() {
                        next[j + 1] = can[j] && path[j] != '/';
                    }
                }
                Token::Segment | Token::Any => {
                    next[0] = can[0];
                    for j in 0..path.len() {
                        let crosses = *token == Token::Any || path[j] != '/';
                        next[j + 1] = can[j + 1] || (next[j] && crosses);
                    }
                }
            }
            can = next;
        }
        can[path.len()]
    }
}

impl fmt::Display for PathGlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One fault: which requests, what they get, how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FaultRule {
    /// The service whose requests it matches.
    pub service: Service,
    /// The method it matches; `None` for any (`*`).
    pub method: Option<Method>,
    /// The paths it matches.
    pub path: PathGlob,
    /// What matching requests get.
    pub answer: FaultAnswer,
    /// Only the first N matching requests of each distinct path (`*N`).
    pub times: Option<NonZeroU32>,
}

impl FaultRule {
    /// Parse `SERVICE:METHOD:PATH-GLOB=ANSWER[*N]`.
    pub fn parse(rule: &str) -> Result<FaultRule, MockError> {
        parse(rule).map_err(|reason| MockError::Fault {
            rule: rule.to_owned(),
            reason,
        })
    }

    /// Whether it matches a request to `service`.
    fn matches(&self, service: Service, method: &Method, path: &str) -> bool {
        self.service == service
            && self.method.as_ref().is_none_or(|m| m == method)
            && self.path.matches(path)
    }
}

fn parse(rule: &str) -> Result<FaultRule, String> {
    let Some((target, answer)) = rule.rsplit_once('=') else {
        return Err(format!("no '=' before the answer; expected {SYNTAX}"));
    };
    let mut parts = target.splitn(3, ':');
    let (Some(service), Some(method), Some(path)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "SERVICE, METHOD and PATH-GLOB are separated by ':'; expected {SYNTAX}"
        ));
    };
    let service = service.parse::<Service>()?;
    let method = match method {
        "*" => None,
        m if !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Some(Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|e| e.to_string())?)
        }
        m => {
            return Err(format!(
                "{m:?} is not an HTTP method (letters only, or * for any)"
            ))
        }
    };
    let path = PathGlob::new(path)?;
    let (answer, times) = match answer.split_once('*') {
        None => (answer, None),
        Some((answer, n)) => {
            let n = n
                .parse::<NonZeroU32>()
                .map_err(|_| format!("*{n}: N must be a whole number from 1 to {}", u32::MAX))?;
            (answer, Some(n))
        }
    };
    Ok(FaultRule {
        service,
        method,
        path,
        answer: answer.parse()?,
        times,
    })
}

impl FromStr for FaultRule {
    type Err = MockError;

    fn from_str(s: &str) -> Result<FaultRule, MockError> {
        FaultRule::parse(s)
    }
}

impl TryFrom<String> for FaultRule {
    type Error = MockError;

    fn try_from(s: String) -> Result<FaultRule, MockError> {
        FaultRule::parse(&s)
    }
}

impl From<FaultRule> for String {
    fn from(rule: FaultRule) -> String {
        rule.to_string()
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = self.method.as_ref().map_or("*", Method::as_str);
        write!(f, "{}:{method}:{}={}", self.service, self.path, self.answer)?;
        if let Some(n) = self.times {
            write!(f, "*{n}")?;
        }
        Ok(())
    }
}

/// A rule in force and, for `*N`, how often it applied to each path.
#[derive(Debug)]
struct Active {
    rule: FaultRule,
    applied: Mutex<HashMap<String, u32>>,
}

impl Active {
    /// Whether the rule applies to this request (and count it if so).
    fn applies(&self, service: Service, method: &Method, path: &str) -> bool {
        if !self.rule.matches(service, method, path) {
            return false;
        }
        let Some(limit) = self.rule.times else {
            return true;
        };
        let mut applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        if !applied.contains_key(path) && applied.len() >= MAX_COUNTED_PATHS {
            return false;
        }
        let count = applied.entry(path.to_owned()).or_default();
        if *count >= limit.get() {
            return false;
        }
        *count += 1;
        true
    }
}

/// What the matching rules decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Wait this long first.
    pub(crate) delay: Duration,
    /// Then answer with a status or drop the connection; `None`: serve it.
    pub(crate) then: Option<FaultAnswer>,
}

/// A shared handle on the faults in force; clones see the same rules.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    rules: RwLock<Vec<Active>>,
    tokens_revoked_before_micros: AtomicU64,
}

impl Faults {
    /// Faults with these rules in force.
    pub fn with_rules(rules: &[FaultRule]) -> Faults {
        let faults = Faults::default();
        for rule in rules {
            faults.add(rule.clone());
        }
        faults
    }

    /// Add a rule after the ones in force; it applies from the next request.
    pub fn add(&self, rule: FaultRule) {
        self.0
            .rules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Active {
                rule,
                applied: Mutex::new(HashMap::new()),
            });
    }

    /// The rules in force, in the order they are tried.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.0
            .rules
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|a| a.rule.clone())
            .collect()
    }

    /// Remove every rule (tokens already expired stay expired).
    pub fn clear(&self) {
        self.0
            .rules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Every token issued so far expires now (a token expiring mid-run);
    /// tokens issued afterwards are valid.
    pub fn expire_all_tokens(&self) {
        self.0
            .tokens_revoked_before_micros
            .store(crate::http::now_micros() + 1, Ordering::SeqCst);
    }

    /// Tokens issued before this instant (µs since the epoch) are expired.
    pub(crate) fn tokens_revoked_before(&self) -> u64 {
        self.0.tokens_revoked_before_micros.load(Ordering::SeqCst)
    }

    /// Match a request against the rules, counting the ones that apply.
    pub(crate) fn decide(&self, service: Service, method: &Method, path: &str) -> Decision {
        let rules = self.0.rules.read().unwrap_or_else(|e| e.into_inner());
        let mut delay = Duration::ZERO;
        for active in rules.iter() {
            if !active.applies(service, method, path) {
                continue;
            }
            match active.rule.answer {
                FaultAnswer::Delay(d) => delay = delay.saturating_add(d),
                answer => {
                    return Decision {
                        delay,
                        then: Some(answer),
                    }
                }
            }
        }
        Decision { delay, then: None }
    }
}

/// How a service renders an injected error status.
pub(crate) type RenderError = fn(StatusCode) -> Response;

/// The middleware state: whose requests, which rules, how to answer.
#[derive(Clone)]
pub(crate) struct Injector {
    pub(crate) service: Service,
    pub(crate) faults: Faults,
    pub(crate) render: RenderError,
}

/// Middleware, outermost in each service's router: apply the rules.
pub(crate) async fn inject(State(injector): State<Injector>, req: Request, next: Next) -> Response {
    let decision = injector
        .faults
        .decide(injector.service, req.method(), req.uri().path());
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    match decision.then {
        Some(FaultAnswer::Status(status)) => (injector.render)(status),
        Some(FaultAnswer::Reset) => reset(),
        Some(FaultAnswer::Delay(_)) | None => next.run(req).await,
    }
}

/// A response whose body fails at once: hyper drops the connection before
/// anything of it is written, so the client sees the connection close
/// without an answer.
fn reset() -> Response {
    Response::new(Body::new(Dropped))
}

/// A body whose first frame is an error.
struct Dropped;

impl http_body::Body for Dropped {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: reset",
        ))))
    }
}
