//! `cargo xtask`: see `cargo xtask --help`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use xtask::{diff, generate, spec};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Developer tasks of the Okta Identity Governance SDK workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Obtain, verify and move the pinned spec.
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Normalise the spec and regenerate the committed client files.
    Generate {
        /// Generate from this spec file instead of the pinned one (no hash check).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Do not write: fail with a diff when the committed files differ.
        #[arg(long)]
        check: bool,
    },
    /// Print the normalisation report (every change each rule makes) for a spec.
    Normalise {
        /// Spec file; defaults to the pinned one.
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// Markdown changelog between two spec versions.
    Diff {
        /// Older spec file.
        old: PathBuf,
        /// Newer spec file.
        new: PathBuf,
        /// Also write the changelog as the entry of the client crate's current version (from
        /// governance-client/Cargo.toml, e.g. `0.2.0+spec.2026-03-16`) into this CHANGELOG file.
        #[arg(long)]
        changelog: Option<PathBuf>,
        /// The version heading of that entry, instead of the client crate's version.
        #[arg(long, requires = "changelog")]
        version: Option<String>,
        /// Exit non-zero when the update breaks users of the generated Rust API (for bots).
        #[arg(long)]
        fail_on_breaking: bool,
    },
    /// Type-check the feature combinations: each spec tag on its own, none, the lean label +
    /// security-access-review set and the default, for the client crate and the SDK crate.
    Features {
        /// Build (not only check) the tag-less and the lean client (the default is built by
        /// every test run).
        #[arg(long)]
        build: bool,
    },
    /// cargo-semver-checks on both published crates against the release baseline
    /// (`[workspace.metadata.release] semver-baseline`), at the release type their versions
    /// step by.
    Semver,
    /// The ext crate's public API as the compiler sees it, against governance-ext/public-api.txt.
    PublicApi {
        /// Write the listing instead of comparing.
        #[arg(long)]
        bless: bool,
    },
    /// Check the spec verdict of `cargo xtask diff` against cargo-semver-checks on an additive
    /// and a breaking mutation of the pinned spec.
    SemverVerdict,
    /// Run every test of the workspace (fetches the spec and starts the local servers first).
    Test {
        /// Extra arguments passed to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Download (or copy) the pinned spec, verify its sha256 and cache it.
    Fetch {
        /// A local path or an http(s) URL instead of the pinned URL.
        #[arg(long)]
        from: Option<String>,
    },
    /// Move the pin to a new spec file and print the change summary.
    Pin {
        /// Path or URL of the new spec.
        path: String,
        /// Commit-pinned upstream URL to record (defaults to PATH when it is a URL).
        #[arg(long)]
        url: Option<String>,
        /// Release label (YYYY-MM-DD); inferred from the file name when absent.
        #[arg(long)]
        label: Option<String>,
        /// Upstream commit; inferred from the URL when absent.
        #[arg(long)]
        commit: Option<String>,
    },
}

fn label_of(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| {
            s.to_string_lossy()
                .trim_start_matches("okta-governance-")
                .to_string()
        })
        .unwrap_or_else(|| path.display().to_string())
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Spec(SpecCommand::Fetch { from }) => {
            spec::fetch(from.as_deref())?;
        }
        Command::Spec(SpecCommand::Pin {
            path,
            url,
            label,
            commit,
        }) => {
            spec::pin(&path, url.as_deref(), label.as_deref(), commit.as_deref())?;
        }
        Command::Generate { spec, check } => generate::run(spec.as_deref(), check)?,
        Command::Normalise { spec } => {
            let path = match spec {
                Some(path) => path,
                None => spec::pinned_spec_path()?,
            };
            let mut doc = spec::load_document(&path)?;
            let report = xtask::normalise::normalise(&mut doc);
            println!("{}", report.detailed());
        }
        Command::Diff {
            old,
            new,
            changelog,
            version,
            fail_on_breaking,
        } => {
            let old_doc = spec::load_document(&old)?;
            let new_doc = spec::load_document(&new)?;
            let changes = diff::changelog(&old_doc, &new_doc, &label_of(&old), &label_of(&new));
            print!("{changes}");
            let verdict = diff::verdict(&old_doc, &new_doc);
            if let Some(path) = changelog {
                let version = match version {
                    Some(version) => version,
                    None => spec::client_version()?,
                };
                let text =
                    std::fs::read_to_string(&path).unwrap_or_else(|_| "# Changelog\n".into());
                let entry = diff::changelog_entry(&version, &changes);
                std::fs::write(&path, diff::insert_entry(&text, &entry))?;
                eprintln!("wrote the {version} entry into {}", path.display());
            }
            if fail_on_breaking && verdict.breaking > 0 {
                anyhow::bail!(
                    "the update is breaking: {} breaking change(s) (see the [breaking] entries)",
                    verdict.breaking
                );
            }
        }
        Command::Test { args } => xtask::test::run(&args)?,
        Command::Semver => xtask::semver::run()?,
        Command::PublicApi { bless } => xtask::semver::public_api(bless)?,
        Command::SemverVerdict => xtask::semver::verdict()?,
        Command::Features { build } => xtask::features::check_all(build)?,
    }
    Ok(())
}
