//! The server under load: dashboard requests a second on this machine's cores, their latency
//! and the server's resident memory, over the dashboard benchmark's ten-million-call organisation.
//!
//! The server is the release `salescope serve`, started as a child process so that its memory is its
//! own; the load comes from keep-alive HTTP/1.1 connections of this process, on the same cores,
//! as a load tool on the server's machine would.

use super::{machine_description, median};
use anyhow::Context as _;
use salescope_engine::kpis::HEADLINE_KPIS;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `salescope serve` over the benchmark's store, stopped on drop.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    fn start(db_url: &str, today: &str) -> anyhow::Result<Server> {
        let mut child = Command::new(salescope_binary()?)
            .args(["--database-url", db_url, "--today", today, "serve", "--bind", "127.0.0.1:0"])
            .env("SALESCOPE_LOG", "warn")
            .env_remove("SALESCOPE_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start `salescope serve`")?;
        let stdout = child.stdout.take().context("server output")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut server = Server { child, address: SocketAddr::from(([127, 0, 0, 1], 0)) };
        for line in lines.by_ref() {
            let line = line?;
            if let Some(url) = line.split(" at http://").nth(1).filter(|_| line.contains("is serving")) {
                server.address = url.trim().parse().with_context(|| format!("server address in {line:?}"))?;
                // Keep reading what it prints so that it never blocks on a full pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(server);
            }
        }
        anyhow::bail!("`salescope serve` stopped before serving")
    }

    /// (resident now, peak resident) in MB, from the kernel's account of the process.
    fn memory_mb(&self) -> anyhow::Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
                .with_context(|| format!("{name} in /proc/PID/status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release `salescope` binary beside this one in the target folder, built first so that it
/// is the checkout's: the server measured is the one that ships, in a process of its own.
fn salescope_binary() -> anyhow::Result<std::path::PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo).args(["build", "--release", "--locked", "-p", "salescope"]).status().context("cannot run cargo")?;
    anyhow::ensure!(status.success(), "building the salescope binary failed");
    let here = std::env::current_exe()?;
    let binary = here.with_file_name(format!("salescope{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(binary.exists(), "no salescope binary at {}", binary.display());
    Ok(binary)
}

/// An API token of the store's administrator for the benchmark, as (id, token), and the account
/// with it on a store that has none yet.
async fn bench_token(db_url: &str) -> anyhow::Result<(String, String)> {
    let db = salescope_store::Db::open(db_url).await?;
    salescope_app::accounts::first_admin(&db).await?;
    let admin = db.users().await?.into_iter().find(|u| u.role == "admin" && u.disabled == 0).context("no enabled admin account")?;
    let token = salescope_app::accounts::add_api_token(&db, &admin.login, "bench serve", "bench").await?;
    db.close().await;
    Ok(token)
}

async fn revoke_token(db_url: &str, id: &str) -> anyhow::Result<()> {
    let db = salescope_store::Db::open(db_url).await?;
    db.revoke_api_token(id, salescope_app::clock::unix_seconds()).await?;
    db.close().await;
    Ok(())
}

/// What one round of load measured.
#[derive(Default)]
struct Round {
    responses: u64,
    /// Responses other than 200 OK, and connections that failed.
    errors: u64,
    latencies_us: Vec<u32>,
    seconds: f64,
}

/// Keeps `connections` connections sending `requests` in turn (each connection starting at its
/// own place in the list) and reading each response before the next request, for `length` or
/// until each has sent `most` requests.
async fn load(address: SocketAddr, requests: &[String], connections: usize, length: Duration, most: usize) -> Round {
    let started = Instant::now();
    let deadline = started + length;
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let mut requests: Vec<Vec<u8>> = requests.iter().map(|r| r.as_bytes().to_vec()).collect();
            let first = i % requests.len().max(1);
            requests.rotate_left(first);
            tokio::spawn(async move { one_connection(address, &requests, deadline, most).await })
        })
        .collect();
    let mut round = Round::default();
    for task in tasks {
        match task.await {
            Ok(part) => {
                round.responses += part.responses;
                round.errors += part.errors;
                round.latencies_us.extend(part.latencies_us);
            }
            Err(_) => round.errors += 1,
        }
    }
    round.seconds = started.elapsed().as_secs_f64();
    round
}

/// One connection's requests; a connection that fails counts one more error and keeps what it
/// measured before.
async fn one_connection(address: SocketAddr, requests: &[Vec<u8>], deadline: Instant, most: usize) -> Round {
    let mut round = Round::default();
    if send_requests(address, requests, deadline, most, &mut round).await.is_err() {
        round.errors += 1;
    }
    round
}

async fn send_requests(address: SocketAddr, requests: &[Vec<u8>], deadline: Instant, most: usize, round: &mut Round) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let mut buffer = Vec::with_capacity(256 * 1024);
    for request in requests.iter().cycle().take(most) {
        if Instant::now() >= deadline {
            break;
        }
        let sent = Instant::now();
        stream.write_all(request).await?;
        let status = read_response(&mut stream, &mut buffer).await?;
        round.latencies_us.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
        round.responses += 1;
        if status != 200 {
            round.errors += 1;
        }
    }
    Ok(())
}

/// Reads one HTTP/1.1 response with a Content-Length (the server sets one on every response it
/// renders); returns its status code.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<u16> {
    buffer.clear();
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        read_more(stream, buffer).await?;
    };
    let head = std::str::from_utf8(&buffer[..head_end]).context("response head is not text")?;
    let status: u16 = head.split(' ').nth(1).and_then(|code| code.parse().ok()).context("no status code")?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
        })
        .context("response without Content-Length")?;
    while buffer.len() < head_end + length {
        read_more(stream, buffer).await?;
    }
    Ok(status)
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0u8; 64 * 1024];
    let n = stream.read(&mut chunk).await?;
    anyhow::ensure!(n > 0, "the server closed the connection");
    buffer.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// The latency at quantile `q` of sorted microseconds, in milliseconds.
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).map_or(0.0, |&us| f64::from(us) / 1000.0)
}

/// One kind of request under load: responses a second (median over rounds), latency quantiles
/// over every response of every round, and errors.
struct Measured {
    label: String,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    responses: u64,
    errors: u64,
}

async fn measure(label: String, address: SocketAddr, requests: &[String], connections: usize, seconds: u64, runs: usize) -> Measured {
    // Warm: the file's pages in the cache, the server's caches filled, connections opened once.
    load(address, requests, connections, Duration::from_secs(2), usize::MAX).await;
    let mut rates = Vec::with_capacity(runs);
    let mut latencies = Vec::new();
    let (mut responses, mut errors) = (0, 0);
    for _ in 0..runs {
        let round = load(address, requests, connections, Duration::from_secs(seconds), usize::MAX).await;
        rates.push(round.responses as f64 / round.seconds);
        responses += round.responses;
        errors += round.errors;
        latencies.extend(round.latencies_us);
    }
    latencies.sort_unstable();
    Measured {
        label,
        per_second: median(&mut rates),
        p50_ms: quantile_ms(&latencies, 0.5),
        p99_ms: quantile_ms(&latencies, 0.99),
        responses,
        errors,
    }
}

pub(super) async fn run(
    calls: usize,
    data: Option<std::path::PathBuf>,
    connections: usize,
    seconds: u64,
    runs: usize,
) -> anyhow::Result<String> {
    anyhow::ensure!(connections >= 1 && seconds >= 1, "--connections and --seconds must be at least 1");
    let data = super::dashboard::dataset(calls, data).await?;
    let (token_id, token) = bench_token(&data.db_url).await?;
    let today = data.month.end.to_string();
    let server = Server::start(&data.db_url, &today)?;
    let (started_mb, _) = server.memory_mb()?;
    let get = |path: String| format!("GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\r\n", server.address);
    // Every team's page for each of the last 12 months, asked once each before anything else:
    // every one is computed afresh.
    let mut fresh_pages = Vec::new();
    let mut month = data.month;
    for _ in 0..12 {
        for team in 1..=super::BENCH_REPS / super::REPS_PER_TEAM {
            fresh_pages.push(get(format!("/dashboard?scope=team:Team%20{team}&period={month}")));
        }
        month = month.previous();
    }
    eprintln!("computing {} dashboard pages one after another…", fresh_pages.len());
    let mut computed = load(server.address, &fresh_pages, 1, Duration::from_secs(3600), fresh_pages.len()).await;
    computed.latencies_us.sort_unstable();
    let org_page = get(format!("/dashboard?scope=org&period={}", data.month));
    let kpis = get(format!("/api/v1/kpis?kpi={}&scope=org&period={}", HEADLINE_KPIS.join(","), data.month));
    let loads = [
        (
            format!(
                "The dashboard page of the organisation for {} (`GET /dashboard`), asked again and again: served from the cache",
                data.month
            ),
            org_page,
        ),
        (format!("The organisation's {} headline KPIs as JSON (`GET /api/v1/kpis`, not cached)", HEADLINE_KPIS.len()), kpis),
    ];
    let mut measured = Vec::new();
    for (label, request) in loads {
        eprintln!("loading the server: {label}…");
        measured.push(measure(label, server.address, &[request], connections, seconds, runs).await);
    }
    let (resident_mb, peak_mb) = server.memory_mb()?;
    drop(server);
    revoke_token(&data.db_url, &token_id).await?;

    let mut lines = vec!["| request | responses/s | p50 | p99 | errors |".to_string(), "|---|---:|---:|---:|---:|".to_string()];
    for m in &measured {
        lines.push(format!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {} of {} |",
            m.label, m.per_second, m.p50_ms, m.p99_ms, m.errors, m.responses
        ));
    }
    let page = &measured[0];
    let verdict = |met: bool| if met { "meets" } else { "misses" };
    let verdicts = [
        format!(
            "- Bar (SPEC §4): ≥ 3,000 dashboard requests/s on 2 cores — this run **{}** it at {:.0} pages/s.",
            verdict(page.per_second >= 3000.0),
            page.per_second
        ),
        format!("- Bar (SPEC §4): p99 ≤ 100 ms — **{}** at {:.1} ms.", verdict(page.p99_ms <= 100.0), page.p99_ms),
        format!("- Bar (SPEC §4): no errors — **{}**: {} errors in {} responses.", verdict(page.errors == 0), page.errors, page.responses),
        format!(
            "- Bar (SPEC §4): resident memory ≤ 300 MB with the 10M-call data set — **{}**: {resident_mb:.0} MB after the load, \
             {peak_mb:.0} MB at its peak ({started_mb:.0} MB once started).",
            verdict(peak_mb <= 300.0)
        ),
    ];
    Ok(format!(
        "## Server under load: dashboard requests\n\n\
         `cargo xtask bench serve --connections {connections} --seconds {seconds} --runs {runs}` on {machine}, {date}.\n\n\
         `salescope serve` over the dashboard benchmark's organisation ({records}), loaded by {connections} keep-alive \
         connections of the benchmark process on the same cores, each sending its next request when the last response \
         has arrived, as an API token of the administrator (who sees the whole organisation). {runs} rounds of {seconds} s \
         after 2 s of warm-up; responses/s is the median round, the latencies are over every response.\n\n\
         The server keeps the dashboards it computed in the last {fresh} s and serves them again until a request that \
         may write ends (see ARCHITECTURE.md). What computing one costs: before the load, the {pages} dashboard pages \
         of every team for each of the last 12 months, asked once each, one after another, took {fresh_p50:.0} ms \
         (median), {fresh_p90:.0} ms (p90), {fresh_max:.0} ms at most ({page_errors} errors).\n\n{}\n\n{}\n",
        lines.join("\n"),
        verdicts.join("\n"),
        pages = computed.responses,
        page_errors = computed.errors,
        fresh_p50 = quantile_ms(&computed.latencies_us, 0.5),
        fresh_p90 = quantile_ms(&computed.latencies_us, 0.9),
        fresh_max = quantile_ms(&computed.latencies_us, 1.0),
        machine = machine_description(),
        date = super::today_text(),
        records = data.records,
        fresh = salescope_web::DASHBOARD_FRESH_FOR.as_secs(),
    ))
}
