//! `imgsig seeded-image`: regenerate the image of a big case from its
//! recipe (the evidence directory keeps the recipe, not the gigabytes).

use std::io::Write as _;
use std::path::PathBuf;

use crate::cases::SeededReader;
use crate::{Error, Result};

use super::Outcome;

/// Write the pseudo-random image a seed stands for (xorshift64*, the same
/// bytes on every machine), as an evidence directory's `image.recipe` says.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The recipe's seed.
    #[arg(long)]
    seed: u64,
    /// The length in bytes.
    #[arg(long)]
    len: u64,
    /// Where to write it.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let file = std::fs::File::create(&args.out).map_err(Error::io(&args.out))?;
    let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
    std::io::copy(&mut SeededReader::new(args.seed, args.len), &mut file)
        .and_then(|_| file.flush())
        .map_err(Error::io(&args.out))?;
    Ok(Outcome::Success)
}
