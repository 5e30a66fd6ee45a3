//! `closeout conditions`: the catalogue of the loaded packs.

use std::process::ExitCode;

use closeout::render::conditions::{json, markdown, select, table};
use closeout::PolicySet;

use crate::cli::args::{CatalogueFormat, ConditionsArgs};
use crate::cli::settings::Policies;
use crate::cli::{stdio, Error};

pub fn run(args: &ConditionsArgs, settings: Policies) -> Result<ExitCode, Error> {
    let policies = PolicySet::load(&settings.sources).map_err(Error::policy)?;
    let selected = select(&policies.catalogue, args.provider.as_deref());
    if selected.is_empty() {
        let providers = policies.providers().join(", ");
        return Err(Error::usage(format!(
            "no condition for provider {:?} (packs loaded for: {providers}, and common)",
            args.provider.as_deref().unwrap_or_default()
        )));
    }
    let text = match args.format {
        CatalogueFormat::Table => table(&selected),
        CatalogueFormat::Json => json(&policies.catalogue, &selected),
        CatalogueFormat::Markdown => markdown(&selected),
    };
    stdio::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
