//! `cargo xtask test`: the one test entry point (the README's test command; `.ci/run` calls it).
//!
//! 1. Makes sure the pinned spec is in the cache, fetching it from the pinned URL when it is
//!    missing (CI fetches it from a local copy first, as there is no network there).
//! 2. Runs every test of the workspace with snapshot updates disabled, so a snapshot that
//!    changed without review fails the run, like `cargo insta test --check`, in three `cargo
//!    test` runs (see [`plan`]): the generator's, the SDK's test binaries, the SDK's doc tests.
//! 3. Fails if any `.snap.new` file was left behind.
//! 4. Without arguments, reports every dependency that the builds of `cargo xtask` and of
//!    those runs compile in more than one variant ([`crate::builds`]): an error in CI, a
//!    warning elsewhere. Each run's tests are built first (`--no-run`, with cargo's JSON
//!    messages), then run.
//!
//! Local servers the tests need are installed and started here, and stopped (by PID, when the
//! guard drops) after the tests: `tests/servers/oidc` (oidc-provider, a real OpenID provider, as
//! a fake org's authorization server). Their addresses reach the tests through environment
//! variables. With `CI` set, a server that cannot start fails the run; elsewhere the tests that
//! need it skip with a notice.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::{spec, workspace_root};

/// Runs the workspace tests; `args` go to `cargo test` after `--workspace`.
pub fn run(args: &[String]) -> Result<()> {
    if spec::pinned_spec_path().is_err() {
        eprintln!("pinned spec not cached; fetching it from the pinned URL");
        spec::fetch(None)?;
    }
    let root = workspace_root();
    remove_pending_snapshots(&root)?;
    let mut env: Vec<(&str, std::ffi::OsString)> = vec![("INSTA_UPDATE", "no".into())];
    // Most tests wait on local servers and timers rather than compute: more threads than
    // cores halve the ext crate's run on a 2-core machine. Timing-sensitive tests allow for
    // a loaded machine. An explicit RUST_TEST_THREADS wins.
    if std::env::var_os("RUST_TEST_THREADS").is_none() {
        env.push(("RUST_TEST_THREADS", "6".into()));
    }
    let runs: Vec<Vec<String>> = if args.is_empty() {
        plan().into()
    } else {
        vec![std::iter::once("--workspace".to_string())
            .chain(args.iter().cloned())
            .collect()]
    };
    // The whole plan also checks that its builds compile each dependency once: the build of
    // `cargo xtask` itself (which has happened: this only reads its artifacts) and each run's.
    let mut builds = args.is_empty().then(Builds::default);
    // The generator's run needs no server: it goes while the servers start.
    let (before_servers, with_servers) = runs.split_at(usize::from(args.is_empty()));
    // Every run goes ahead even when one fails, so one pass shows every failure.
    let mut failed = Vec::new();
    if let Some(builds) = &mut builds {
        let xtask = XTASK_BUILD.map(String::from);
        failed.extend(builds.build(&root, &xtask, &env)?);
    }
    std::thread::scope(|scope| -> Result<()> {
        let oidc = scope.spawn(|| start_oidc(&root));
        let prism = scope.spawn(|| start_prism(&root));
        for run in before_servers {
            failed.extend(cargo_test(&root, run, &env, builds.as_mut())?);
        }
        let joined = |handle: std::thread::ScopedJoinHandle<'_, Result<Server>>| {
            handle
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("starting the server panicked")))
        };
        // Kept until the runs are over: dropping a server stops it.
        let oidc = optional(joined(oidc), "the local OpenID provider", "its tests")?;
        if let Some(server) = &oidc {
            eprintln!("oidc-provider listening on {}", server.url);
            env.push(("OIG_OIDC_URL", server.url.clone().into()));
            env.push(("OIG_OIDC_KEYS", server.keys.clone().into()));
        }
        let prism = optional(joined(prism), "Prism", "the conformance tests")?;
        if let Some(server) = &prism {
            eprintln!("Prism listening on {}", server.url);
            // The simulator's tests start their own Prism, as a validating proxy.
            env.push(("OIG_PRISM_URL", server.url.clone().into()));
            env.push((
                "OIG_PRISM_BIN",
                root.join("tests/servers/prism/node_modules/.bin/prism")
                    .into(),
            ));
            env.push(("OIG_SPEC", spec::pinned_spec_path()?.into()));
        }
        for run in with_servers {
            failed.extend(cargo_test(&root, run, &env, builds.as_mut())?);
        }
        Ok(())
    })?;
    if let Some(builds) = &builds {
        let duplicates = crate::builds::duplicates(&builds.artifacts);
        if !duplicates.is_empty() {
            let report = crate::builds::describe(&duplicates);
            // Build time, not correctness: an error in CI (where it is measured), a warning
            // elsewhere (a developer's own profile settings can cause it).
            if std::env::var_os("CI").is_some() {
                eprintln!("{report}");
                failed.push("dependencies compiled more than once (see above)".into());
            } else {
                eprintln!("WARNING: {report}");
            }
        }
    }
    let pending = pending_snapshots(&root)?;
    if !pending.is_empty() {
        bail!(
            "unreviewed snapshot changes: {}\nReview them (e.g. `cargo insta review`) and commit the accepted .snap files.",
            pending
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !failed.is_empty() {
        bail!("failed: {}", failed.join("; "));
    }
    Ok(())
}

/// A server that did not start: an error in CI (it must run there); elsewhere a warning, and
/// the tests that need it skip.
fn optional(started: Result<Server>, server: &str, tests: &str) -> Result<Option<Server>> {
    match started {
        Ok(server) => Ok(Some(server)),
        Err(error) if std::env::var_os("CI").is_some() => {
            Err(error.context(format!("{server} must run in CI")))
        }
        Err(error) => {
            eprintln!("WARNING: {server} not started ({error:#}); {tests} will skip");
            Ok(None)
        }
    }
}

/// The build of `cargo xtask` itself (the alias runs `cargo run -p xtask`): already done when
/// this runs, so it only reports the artifacts.
const XTASK_BUILD: [&str; 5] = ["build", "-p", "xtask", "--bin", "xtask"];

/// The library artifacts of this run's builds, for [`crate::builds::duplicates`].
#[derive(Default)]
struct Builds {
    artifacts: Vec<crate::builds::Artifact>,
}

impl Builds {
    /// Runs `cargo ARGS --message-format=json-render-diagnostics` (diagnostics and progress
    /// on stderr as usual) and keeps its artifacts: `Some(description)` when it failed.
    fn build(
        &mut self,
        root: &Path,
        args: &[String],
        env: &[(&str, std::ffi::OsString)],
    ) -> Result<Option<String>> {
        let output = cargo(root, env)
            .args(args)
            .arg("--message-format=json-render-diagnostics")
            .stderr(Stdio::inherit())
            .output()
            .context("running cargo")?;
        self.artifacts
            .extend(crate::builds::parse(&String::from_utf8_lossy(
                &output.stdout,
            )));
        Ok((!output.status.success())
            .then(|| format!("cargo {} ({})", args.join(" "), output.status)))
    }
}

fn cargo(root: &Path, env: &[(&str, std::ffi::OsString)]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .current_dir(root)
        .envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// One `cargo test` with `run`'s arguments and `env`: `Some(description)` when it failed.
/// With `builds`, the test targets are built first (`--no-run`) and their artifacts kept; a
/// failed build skips the tests.
fn cargo_test(
    root: &Path,
    run: &[String],
    env: &[(&str, std::ffi::OsString)],
    builds: Option<&mut Builds>,
) -> Result<Option<String>> {
    // Doc tests have no `--no-run`; their build is the test build's.
    if let Some(builds) = builds.filter(|_| !run.iter().any(|a| a == "--doc")) {
        let build: Vec<String> = std::iter::once("test".to_string())
            .chain(run.iter().cloned())
            .chain(std::iter::once("--no-run".to_string()))
            .collect();
        if let Some(failure) = builds.build(root, &build, env)? {
            return Ok(Some(failure));
        }
    }
    let mut command = cargo(root, env);
    command.arg("test").args(run).env_remove("INSTA_FORCE_PASS");
    eprintln!("cargo test {}", run.join(" "));
    let status = command.status().context("running cargo test")?;
    Ok((!status.success()).then(|| format!("cargo test {} ({status})", run.join(" "))))
}

/// The packages of the generator's run, which the SDK's runs leave out.
const GENERATOR: [&str; 3] = ["xtask", "oig-spec", "oig-surface-tests"];

/// The three `cargo test` runs of `cargo xtask test` (without arguments), as arguments after
/// `cargo test`.
///
/// 1. The generator and the tests that use its code (`tests/surface`), apart from the SDK's:
///    they need no server, so they run while the servers start. (Every build shares its
///    dependencies' compilations through `xtask/workspace-hack`.)
/// 2. The SDK's test binaries (`--tests`: unit and integration tests, but not the examples,
///    which CI's clippy checks and CI runs).
/// 3. The SDK's doc tests (rustdoc and README examples), on the build of run 2.
pub fn plan() -> [Vec<String>; 3] {
    let generator = GENERATOR.iter().flat_map(|p| ["-p", p]).map(String::from);
    let sdk = |kind| {
        std::iter::once("--workspace")
            .chain(GENERATOR.iter().flat_map(|p| ["--exclude", p]))
            .chain([kind])
            .map(String::from)
            .collect()
    };
    [generator.collect(), sdk("--tests"), sdk("--doc")]
}

fn snapshot_dirs(root: &Path) -> Vec<std::path::PathBuf> {
    vec![
        root.join("tests/tests/snapshots"),
        root.join("tests/surface/snapshots"),
        root.join("governance-ext/tests/integration/snapshots"),
        root.join("governance-ext/tests/snapshots"),
    ]
}

/// Unreviewed snapshot files (`.snap.new`, `.pending-snap`) in every snapshot folder.
fn pending_snapshots(root: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for dir in snapshot_dirs(root) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn remove_pending_snapshots(root: &Path) -> Result<()> {
    for path in pending_snapshots(root)? {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// A running local server, killed when dropped.
struct Server {
    child: Child,
    url: String,
    keys: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `npm ci` (from the committed lockfile) when `marker` is not installed yet.
fn npm_ci(dir: &Path, marker: &str) -> Result<()> {
    if dir.join("node_modules").join(marker).exists() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .context("running npm ci (is Node.js installed?)")?;
    if !status.success() {
        bail!("npm ci failed in {}", dir.display());
    }
    Ok(())
}

/// Starts Stoplight Prism (`tests/servers/prism`) as a validating mock of the pinned spec.
fn start_prism(root: &Path) -> Result<Server> {
    let dir = root.join("tests/servers/prism");
    npm_ci(&dir, "@stoplight/prism-cli")?;
    let spec = spec::pinned_spec_path()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(dir.join("node_modules/.bin/prism"))
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(&spec)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting prism")?;
    let mut server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        keys: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(server);
        }
        if let Some(status) = server.child.try_wait()? {
            bail!("Prism exited at start ({status})");
        }
        if Instant::now() > deadline {
            bail!("Prism did not start within 90 s");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Installs and starts `tests/servers/oidc`.
fn start_oidc(root: &Path) -> Result<Server> {
    let dir = root.join("tests/servers/oidc");
    npm_ci(&dir, "oidc-provider")?;
    let keys = root.join("target/oidc-keys.json");
    std::fs::create_dir_all(root.join("target"))?;
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .env("OIG_OIDC_PORT", "0")
        .env("OIG_OIDC_KEYS", &keys)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting node server.mjs")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line.strip_prefix("READY ") {
                let _ = tx.send(port.trim().to_string());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut server = Server {
        child,
        url: String::new(),
        keys: keys.display().to_string(),
    };
    loop {
        if let Ok(port) = rx.recv_timeout(Duration::from_millis(200)) {
            server.url = format!("http://127.0.0.1:{port}");
            return Ok(server);
        }
        if let Some(status) = server.child.try_wait()? {
            bail!("the OpenID provider exited at start ({status})");
        }
        if Instant::now() > deadline {
            bail!("the OpenID provider did not start within 30 s");
        }
    }
}
