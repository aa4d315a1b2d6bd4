//! `imgsig completions SHELL` and `imgsig man`: shell completions and
//! manual pages generated from the command definitions themselves, so they
//! never drift from `--help`.

use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, Outcome};
use crate::{Error, Result};

/// Print a completion script for a shell (source it, or install it where
/// the shell looks: `imgsig completions bash > /etc/bash_completion.d/imgsig`).
#[derive(Debug, clap::Args)]
pub(crate) struct CompletionsArgs {
    /// bash, elvish, fish, powershell or zsh.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Print the manual page imgsig(1) in roff (`imgsig man | man -l -`), or
/// with `--out-dir` write it and one page per subcommand (imgsig-run(1), …).
#[derive(Debug, clap::Args)]
pub(crate) struct ManArgs {
    /// Write imgsig.1 and imgsig-SUBCOMMAND.1 into this directory.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

pub(crate) fn completions(args: CompletionsArgs) -> Result<Outcome> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "imgsig", &mut std::io::stdout());
    Ok(Outcome::Success)
}

pub(crate) fn man(args: ManArgs) -> Result<Outcome> {
    let command = Cli::command();
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            clap_mangen::generate_to(command, &dir).map_err(Error::io(&dir))?;
        }
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout())?,
    }
    Ok(Outcome::Success)
}
