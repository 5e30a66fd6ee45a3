//! `closeout init-pack NAME`: a new pack that passes `closeout test` as written.

use std::process::ExitCode;

use closeout::tooling::scaffold::write_pack;

use crate::cli::args::InitPackArgs;
use crate::cli::{stdio, Error};

pub fn run(args: &InitPackArgs) -> Result<ExitCode, Error> {
    let dir = args.dir.join(&args.name);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let files = write_pack(&dir, &args.name, &today).map_err(Error::Usage)?;
    let mut out = String::new();
    for file in files {
        out.push_str(&format!("created {}\n", file.display()));
    }
    out.push_str(&format!(
        "\nNext: edit {0}/{1}.rego, then run `closeout test {0}` (or `closeout check --policy {0} SNAPSHOT`).\n",
        dir.display(),
        args.name
    ));
    stdio::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
