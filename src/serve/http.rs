//! The HTTP side (axum on tokio): routes, the bearer token, body limits,
//! timeouts, the policy digest on every response, reloads and the graceful
//! stop. Deciding is the pool's; this only reads requests and writes answers.
//!
//! | route | answer |
//! |---|---|
//! | `POST /v1/check` | a snapshot (JSON) → its decision; NDJSON → one decision line per snapshot, in input order |
//! | `POST /v1/data/closeout/decision` | OPA's data API: `{"input": <snapshot>}` → `{"result": <result>}` |
//! | `POST /v1/reload` | load the policies and `closeout.toml` again; swap them in, or keep the old |
//! | `GET /healthz`, `GET /readyz` | alive; policies loaded (no token needed) |
//! | `GET /metrics` | OpenMetrics text |

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Query, Request, State};
use axum::http::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::eval::Context;
use crate::input::decode::decode;
use crate::model::{ErrorKind, SnapshotResult};
use crate::run::audit::AuditLog;
use crate::run::Work;

use super::metrics::{self, Metrics};
use super::pool::{Decided, Pool, SharedAudit};
use super::{stream, Generation, Loader, Notes, Options};

/// The header naming the policy digest a response was made with.
pub const DIGEST_HEADER: &str = "closeout-policy-digest";

/// The name a snapshot gets when the request gives none (`?source=`).
pub const DEFAULT_SOURCE: &str = "<request>";

/// What every handler shares.
struct App {
    current: RwLock<Arc<Generation>>,
    generations: AtomicU64,
    reloading: tokio::sync::Mutex<()>,
    loader: Loader,
    pool: Pool,
    metrics: Metrics,
    options: Options,
    notes: Notes,
    stopping: AtomicBool,
}

impl App {
    fn current(&self) -> Arc<Generation> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Loads a new generation off the runtime and swaps it in whole; on
    /// failure the old one keeps serving. `Ok((old, new))` digests, or
    /// `Err((old, why))`.
    async fn reload(&self) -> Result<(String, String), (String, String)> {
        let _one_at_a_time = self.reloading.lock().await;
        let old = self.current().digest.clone();
        let loader = Arc::clone(&self.loader);
        let loaded = tokio::task::spawn_blocking(move || loader())
            .await
            .unwrap_or_else(|err| Err(format!("the reload stopped: {err}")));
        match loaded {
            Ok(mut generation) => {
                generation.number = self.generations.fetch_add(1, Ordering::SeqCst) + 1;
                let new = generation.digest.clone();
                self.metrics.set_policy(&new, generation.engine());
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(generation);
                self.metrics.reloaded(true);
                Ok((old, new))
            }
            Err(message) => {
                self.metrics.reloaded(false);
                Err((old, message))
            }
        }
    }

    /// Reloads and says how it went, for SIGHUP.
    async fn reload_and_note(&self, why: &str) -> Result<(String, String), (String, String)> {
        let outcome = self.reload().await;
        match &outcome {
            Ok((old, new)) => (self.notes)(&format!(
                "closeout serve: {why}: policies reloaded, digest {old} -> {new}"
            )),
            Err((old, message)) => (self.notes)(&format!(
                "closeout serve: {why}: reload failed, still serving digest {old}:\n{message}"
            )),
        }
        outcome
    }
}

/// Serves until SIGTERM or SIGINT; see [`super::serve`].
pub(crate) async fn run(
    options: Options,
    first: Generation,
    loader: Loader,
    notes: Notes,
    audit: Option<AuditLog>,
) -> io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    // Before anything is announced: a signal must never find the default
    // action (which would end the process mid-write).
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let audit: SharedAudit = Arc::new(Mutex::new(audit));
    let pool = Pool::start(options.jobs, Arc::clone(&audit))?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot listen on {}: {err}", options.listen),
            )
        })?;
    let address = listener.local_addr()?;
    let metrics = Metrics::new(&first.digest, first.engine());
    let request_timeout = options.request_timeout;
    let app = Arc::new(App {
        current: RwLock::new(Arc::new(first)),
        generations: AtomicU64::new(0),
        reloading: tokio::sync::Mutex::new(()),
        loader,
        pool,
        metrics,
        options,
        notes: Arc::clone(&notes),
        stopping: AtomicBool::new(false),
    });
    if !address.ip().is_loopback() && app.options.token.is_none() {
        notes(&format!(
            "warning: closeout serve listens on {address}, beyond loopback, with no --token-file: anyone who reaches it can ask for decisions and reloads"
        ));
    }
    notes(&format!(
        "closeout serve: listening on http://{address} (policy digest {}, {} worker{})",
        app.current().digest,
        app.options.jobs,
        crate::model::plural(app.options.jobs)
    ));

    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let signals = Arc::clone(&app);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = hangup.recv() => {
                    let _ = signals.reload_and_note("SIGHUP").await;
                }
                _ = terminate.recv() => break,
                _ = interrupt.recv() => break,
            }
        }
        let _ = stop_tx.send(true);
    });
    let mut graceful = stop_rx.clone();
    let server =
        axum::serve(listener, router(Arc::clone(&app))).with_graceful_shutdown(async move {
            let _ = graceful.wait_for(|stop| *stop).await;
        });
    let mut server = tokio::spawn(async move { server.await });
    tokio::select! {
        outcome = &mut server => {
            return outcome.unwrap_or_else(|err| Err(io::Error::other(err)));
        }
        _ = stop_rx.wait_for(|stop| *stop) => {}
    }
    app.stopping.store(true, Ordering::SeqCst);
    notes("closeout serve: stopping: no new connections; waiting for requests in flight");
    // In-flight requests end within the request timeout; a silent client
    // does not hold the stop for longer.
    let grace = request_timeout + Duration::from_secs(5);
    match tokio::time::timeout(grace, &mut server).await {
        Ok(_) => notes("closeout serve: stopped"),
        Err(_) => {
            server.abort();
            notes(&format!(
                "closeout serve: stopped; requests still open after {} s were cut",
                grace.as_secs()
            ));
        }
    }
    // No decision is written after this, and none is half-written: the log
    // is taken for good (a worker still deciding waits here until exit).
    let held = audit.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::forget(held);
    Ok(())
}

fn router(app: Arc<App>) -> Router {
    let timeout = app.options.request_timeout;
    let guarded = Router::new()
        .route("/v1/check", post(check))
        .route("/v1/data/closeout/decision", post(opa_decision))
        .route("/v1/reload", post(reload))
        .route("/metrics", get(metrics_text))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            require_token,
        ));
    Router::new()
        .merge(guarded)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .layer(RequestBodyTimeoutLayer::new(timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&app), around))
        .with_state(app)
}

/// Counts every response and names the policy digest on it (the one in
/// force, unless the handler named the one it decided with).
async fn around(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if !response.headers().contains_key(DIGEST_HEADER) {
        if let Ok(value) = HeaderValue::from_str(&app.current().digest) {
            response.headers_mut().insert(DIGEST_HEADER, value);
        }
    }
    app.metrics.request(&route, response.status().as_u16());
    response
}

/// `Authorization: Bearer TOKEN`, compared in constant time.
async fn require_token(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(token) = &app.options.token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given.is_some_and(|given| same(given.as_bytes(), token.as_bytes())) {
        return next.run(request).await;
    }
    let mut response = refusal(
        StatusCode::UNAUTHORIZED,
        "this route needs `Authorization: Bearer TOKEN` with the token of --token-file",
    );
    response.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Bearer realm=\"closeout\""),
    );
    response
}

/// Equal bytes, in a time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({"status": "alive"}))
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    if app.stopping.load(Ordering::SeqCst) {
        return json(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({"status": "stopping"}),
        );
    }
    let generation = app.current();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ready",
            "policy_digest": generation.digest,
            "conditions": generation.evaluator.policies().catalogue.len(),
        }),
    )
}

async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    let mut response = app.metrics.encode().into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}

async fn reload(State(app): State<Arc<App>>) -> Response {
    match app.reload_and_note("POST /v1/reload").await {
        Ok((old, new)) => json(
            StatusCode::OK,
            &serde_json::json!({
                "reloaded": true,
                "policy_digest": new,
                "previous_policy_digest": old,
            }),
        ),
        Err((old, message)) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &serde_json::json!({
                "reloaded": false,
                "policy_digest": old,
                "error": {"status": 500, "message": message},
            }),
        ),
    }
}

async fn not_found(uri: Uri) -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        &format!(
            "no route {}: see /v1/check, /v1/data/closeout/decision, /v1/reload, /healthz, /readyz, /metrics",
            uri.path()
        ),
    )
}

/// A request that is refused before any decision: `{"error": {status, message}}`.
fn refusal(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({"error": {"status": status.as_u16(), "message": message}}),
    )
}

/// The same refusal in OPA's error shape, for the OPA door.
fn opa_refusal(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({"code": code, "message": message}),
    )
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    let mut bytes = serde_json::to_vec(body).expect("plain data serializes");
    bytes.push(b'\n');
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The query parameters of a decision.
#[derive(Debug)]
struct Params {
    now: Option<String>,
    source: String,
}

fn params(uri: &Uri) -> Result<Params, String> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|err| format!("the query string cannot be read: {err}"))?;
    let mut now = None;
    let mut source = None;
    for (key, value) in pairs {
        let slot = match key.as_str() {
            "now" => &mut now,
            "source" => &mut source,
            other => {
                return Err(format!(
                    "unknown query parameter {other:?}: the parameters are `now` (RFC 3339) and `source`"
                ))
            }
        };
        if slot.replace(value).is_some() {
            return Err(format!("the query parameter `{key}` is given twice"));
        }
    }
    let source = source.unwrap_or_else(|| DEFAULT_SOURCE.to_owned());
    if source.is_empty() || source.len() > 1024 {
        return Err("`source` must be 1 to 1024 bytes long".into());
    }
    Ok(Params { now, source })
}

/// The request's evaluation context: the generation's, at `now` or the clock.
fn context_at(generation: &Generation, now: Option<&str>) -> Result<Context, String> {
    match now {
        Some(now) => generation
            .context
            .at_time(now)
            .map_err(|message| format!("now: {message}")),
        None => {
            let clock = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            generation.context.at_time(&clock)
        }
    }
}

/// What a request body holds, by its content type.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    /// One snapshot.
    Json,
    /// JSON Lines: one snapshot per line.
    Lines,
}

fn shape(headers: &HeaderMap) -> Result<Shape, String> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(Shape::Json);
    };
    let text = value.to_str().unwrap_or("").to_ascii_lowercase();
    let mut parts = text.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("");
    for param in parts {
        if let Some(charset) = param.strip_prefix("charset=") {
            let charset = charset.trim_matches('"');
            if charset != "utf-8" && charset != "utf8" {
                return Err(format!(
                    "charset {charset} is not read: closeout reads UTF-8 text"
                ));
            }
        }
    }
    match mime {
        // curl's default for --data-binary is the form type: the body is
        // still read as one JSON snapshot.
        "application/json" | "application/x-www-form-urlencoded" => Ok(Shape::Json),
        m if m.starts_with("application/") && m.ends_with("+json") => Ok(Shape::Json),
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => {
            Ok(Shape::Lines)
        }
        other => Err(format!(
            "content type {other:?} is not read: send one snapshot as application/json, or JSON Lines as application/x-ndjson"
        )),
    }
}

/// Reads a whole body of at most `limit` bytes; `Err` is the refusal.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
) -> Result<Bytes, (StatusCode, String)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than {limit} bytes, the limit for one snapshot (--max-body-bytes)"
            ),
        )
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    match Limited::new(body, limit_usize).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(err) => Err((
            StatusCode::BAD_REQUEST,
            format!("the body could not be read: {err}"),
        )),
    }
}

/// One body's snapshot as `check` reads a file: UTF-8, after a byte order
/// mark if there is one; UTF-16 and UTF-32 named.
fn body_work(source: String, bytes: Vec<u8>) -> Work {
    let source: crate::model::Source = source.into();
    match decode(&source, bytes) {
        Ok((text, bom)) => Work::Line {
            source,
            line: 1,
            text,
            bom,
        },
        Err(error) => Work::Failed(error),
    }
}

/// A decision's body: the result object of `check --format json`, and what
/// the audit record says it was decided with.
#[derive(Serialize)]
struct DecisionBody<'a> {
    result: &'a SnapshotResult,
    snapshot_sha256: Option<&'a str>,
    policy_digest: &'a str,
    config_sha256: Option<&'a str>,
    engine: &'static str,
    evaluated_at: &'a str,
    closeout_version: &'static str,
}

impl<'a> DecisionBody<'a> {
    fn of(decided: &'a Decided) -> DecisionBody<'a> {
        DecisionBody {
            result: &decided.result,
            snapshot_sha256: decided.result.snapshot_sha256.as_deref(),
            policy_digest: &decided.generation.digest,
            config_sha256: decided.generation.config_sha256.as_deref(),
            engine: decided.generation.engine(),
            evaluated_at: &decided.evaluated_at,
            closeout_version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// 200 for a decision; 400 for a snapshot that cannot be decided (not
/// UTF-8, not JSON, against the contract, a provider no pack serves); 500
/// when a policy failed on it.
fn decision_status(result: &SnapshotResult) -> StatusCode {
    match result.error.as_ref().map(|e| &e.kind) {
        None => StatusCode::OK,
        Some(ErrorKind::Policy) => StatusCode::INTERNAL_SERVER_ERROR,
        Some(_) => StatusCode::BAD_REQUEST,
    }
}

fn with_digest(mut response: Response, digest: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(digest) {
        response.headers_mut().insert(DIGEST_HEADER, value);
    }
    response
}

/// Decides one piece of work; `Err` is the response when no decision can be given.
async fn decide(
    app: &App,
    generation: Arc<Generation>,
    context: Context,
    work: Work,
) -> Result<Decided, Response> {
    let decided = app
        .pool
        .decide(generation, context, work)
        .await
        .map_err(|_| refusal(StatusCode::SERVICE_UNAVAILABLE, "the service is stopping"))?;
    if let Some(message) = &decided.audit_error {
        // Never an answer the audit log does not hold.
        let response = refusal(StatusCode::INTERNAL_SERVER_ERROR, message);
        return Err(with_digest(response, &decided.generation.digest));
    }
    app.metrics.decided(&decided.result, decided.seconds);
    Ok(decided)
}

async fn check(State(app): State<Arc<App>>, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let params = match params(&uri) {
        Ok(params) => params,
        Err(message) => return refusal(StatusCode::BAD_REQUEST, &message),
    };
    let shape = match shape(&headers) {
        Ok(shape) => shape,
        Err(message) => return refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, &message),
    };
    let generation = app.current();
    let context = match context_at(&generation, params.now.as_deref()) {
        Ok(context) => context,
        Err(message) => return refusal(StatusCode::BAD_REQUEST, &message),
    };
    if shape == Shape::Lines {
        return check_lines(app, headers, body, params.source, generation, context);
    }
    let bytes = match read_body(&headers, body, app.options.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err((status, message)) => return refusal(status, &message),
    };
    let work = body_work(params.source, bytes.to_vec());
    match decide(&app, generation, context, work).await {
        Ok(decided) => {
            let response = json(
                decision_status(&decided.result),
                &DecisionBody::of(&decided),
            );
            with_digest(response, &decided.generation.digest)
        }
        Err(response) => response,
    }
}

/// An NDJSON body: one decision line per snapshot line, streamed in order.
fn check_lines(
    app: Arc<App>,
    headers: HeaderMap,
    body: Body,
    source: String,
    generation: Arc<Generation>,
    context: Context,
) -> Response {
    let max_stream = app.options.max_stream_bytes;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_stream) {
        return refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the body is larger than {max_stream} bytes, the limit of one NDJSON body (--max-stream-bytes)"
            ),
        );
    }
    let digest = generation.digest.clone();
    let pending = stream::decide_lines(
        app.pool.clone(),
        body,
        source,
        generation,
        context,
        app.options.max_body_bytes,
        max_stream,
    );
    let lines = futures_util::stream::unfold(
        (pending, app, false),
        move |(mut pending, app, done)| async move {
            if done {
                return None;
            }
            let answer = pending.recv().await?;
            let (line, stop) = match answer.await {
                Ok(decided) if decided.audit_error.is_none() => {
                    app.metrics.decided(&decided.result, decided.seconds);
                    (line_of(&DecisionBody::of(&decided)), false)
                }
                Ok(decided) => {
                    let message = decided.audit_error.unwrap_or_default();
                    (
                        line_of(&serde_json::json!({"error": {"status": 500, "message": message}})),
                        true,
                    )
                }
                Err(_) => (
                    line_of(
                        &serde_json::json!({"error": {"status": 503, "message": "the service is stopping"}}),
                    ),
                    true,
                ),
            };
            Some((Ok::<_, io::Error>(line), (pending, app, stop)))
        },
    );
    let mut response = Response::new(Body::from_stream(lines));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    with_digest(response, &digest)
}

fn line_of(value: &impl Serialize) -> Bytes {
    let mut bytes = serde_json::to_vec(value).expect("plain data serializes");
    bytes.push(b'\n');
    Bytes::from(bytes)
}

/// OPA's answer; the result serialized as the struct is, in `check`'s order.
#[derive(Serialize)]
struct OpaAnswer<'a> {
    result: &'a SnapshotResult,
}

/// OPA's request: `{"input": <snapshot>}`; the snapshot's own text is kept.
#[derive(Deserialize)]
struct OpaRequest<'a> {
    #[serde(borrow)]
    input: Option<&'a RawValue>,
}

/// `POST /v1/data/closeout/decision`, for clients of OPA's REST API: the
/// same decision as `/v1/check` (positions count from the start of `input`),
/// as `{"result": <result>}` with status 200, as OPA answers.
async fn opa_decision(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let params = match params(&uri) {
        Ok(params) => params,
        Err(message) => return opa_refusal(StatusCode::BAD_REQUEST, "invalid_parameter", &message),
    };
    if let Err(message) = shape(&headers).and_then(|shape| match shape {
        Shape::Json => Ok(()),
        Shape::Lines => Err("the OPA door takes one {\"input\": <snapshot>} document, not JSON Lines: use /v1/check".into()),
    }) {
        return opa_refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_parameter", &message);
    }
    let generation = app.current();
    let context = match context_at(&generation, params.now.as_deref()) {
        Ok(context) => context,
        Err(message) => return opa_refusal(StatusCode::BAD_REQUEST, "invalid_parameter", &message),
    };
    let bytes = match read_body(&headers, body, app.options.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err((status, message)) => return opa_refusal(status, "invalid_parameter", &message),
    };
    let request: OpaRequest<'_> = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(err) => {
            return opa_refusal(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                &format!("the body is not an OPA request {{\"input\": <snapshot>}}: {err}"),
            )
        }
    };
    let Some(input) = request.input.filter(|raw| raw.get() != "null") else {
        return opa_refusal(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "the request has no input: send {\"input\": <snapshot>}",
        );
    };
    let work = Work::Line {
        source: params.source.into(),
        line: 1,
        text: input.get().to_owned(),
        bom: false,
    };
    match decide(&app, generation, context, work).await {
        Ok(decided) => {
            let response = json(
                StatusCode::OK,
                &OpaAnswer {
                    result: &decided.result,
                },
            );
            with_digest(response, &decided.generation.digest)
        }
        Err(response) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"x"));
    }

    #[test]
    fn content_types_choose_the_shape_or_are_refused() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            shape(&headers)
        };
        assert_eq!(shape(&HeaderMap::new()), Ok(Shape::Json));
        assert_eq!(with("application/json; charset=UTF-8"), Ok(Shape::Json));
        assert_eq!(with("application/x-www-form-urlencoded"), Ok(Shape::Json));
        assert_eq!(with("application/vnd.acme+json"), Ok(Shape::Json));
        assert_eq!(with("application/x-ndjson"), Ok(Shape::Lines));
        assert!(with("text/plain").is_err());
        assert!(with("application/json; charset=utf-16").is_err());
    }

    #[test]
    fn query_parameters_are_known_and_single() {
        let parse = |q: &str| params(&format!("/v1/check?{q}").parse().unwrap());
        let p = parse("now=2026-11-21T00:00:00Z&source=a.json").unwrap();
        assert_eq!(p.now.as_deref(), Some("2026-11-21T00:00:00Z"));
        assert_eq!(p.source, "a.json");
        assert_eq!(parse("").unwrap().source, DEFAULT_SOURCE);
        assert!(parse("nwo=x")
            .unwrap_err()
            .contains("unknown query parameter"));
        assert!(parse("now=a&now=b").unwrap_err().contains("twice"));
    }
}
