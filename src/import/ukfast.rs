//! UKFast / ANS: the API envelope `{"data": ..., "meta": {"pagination":
//! {"total", "count", "per_page", "current_page", "total_pages"}}}` and the
//! `ans` CLI's bare arrays (`-o json`). Shapes from `ans-group/sdk-go`
//! (`pkg/connection/response.go`; `pkg/service/{ecloud,billing,account,
//! sharedexchange}/model.go`).

use serde_json::{json, Value as Json};

use crate::import::files::{KindSpec, SavedFile, Sniff};
use crate::import::pages::{self, text, Page};
use crate::import::{manifest_only, require, Draft, ImportError, Manifest};

pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: "instances",
        source: "ans ecloud instance list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "vpcs",
        source: "ans ecloud vpc list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "floating_ips",
        source: "ans ecloud floatingip list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "volumes",
        source: "ans ecloud volume list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "v1_vms",
        source: "ans ecloud vm list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "exchange_domains",
        source: "GET /shared-exchange/v1/domains",
        qualifier: None,
    },
    KindSpec {
        name: "invoices",
        source: "ans billing invoice list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "invoice_queries",
        source: "ans billing invoicequery list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "recurring_costs",
        source: "ans billing recurringcost list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "contacts",
        source: "ans account contact list -o json",
        qualifier: None,
    },
    KindSpec {
        name: "details",
        source: "ans account details show -o json",
        qualifier: None,
    },
];

/// The listing inside the envelope (or the bare CLI output).
fn inner(json: &Json) -> &Json {
    match json {
        Json::Object(map) if map.contains_key("data") => &map["data"],
        other => other,
    }
}

pub fn sniff(json: &Json) -> Sniff {
    // The API's error body (`pkg/connection/response.go`): `errors` items
    // with title and detail, and sometimes only a `message`.
    let errors = json.get("errors").and_then(Json::as_array);
    let message = json
        .get("message")
        .and_then(Json::as_str)
        .filter(|m| !m.is_empty() && json.get("data").is_none());
    if errors.is_some_and(|e| !e.is_empty()) || message.is_some() {
        let items = errors.into_iter().flatten().filter_map(|e| {
            e.get("detail")
                .or_else(|| e.get("title"))
                .and_then(Json::as_str)
        });
        let message = message
            .into_iter()
            .chain(items)
            .collect::<Vec<_>>()
            .join("; ");
        return Sniff::ApiError(message);
    }
    let data = inner(json);
    let first = match data {
        Json::Null => return Sniff::Listing,
        Json::Array(items) if items.is_empty() => return Sniff::Listing,
        Json::Array(items) => &items[0],
        object @ Json::Object(_) => object,
        _ => return Sniff::Unrecognised,
    };
    let has = |key: &str| first.get(key).is_some();
    let kind = if has("primary_contact_id") {
        "details"
    } else if has("vcpu_cores") || has("image_id") {
        "instances"
    } else if has("advanced_networking") || (has("region_id") && has("sync")) {
        "vpcs"
    } else if has("ip_address") && has("resource_id") {
        "floating_ips"
    } else if has("iops") || (has("capacity") && has("sync")) {
        "volumes"
    } else if has("hdd_disks") || has("power_status") || has("solution_id") {
        "v1_vms"
    } else if has("outstanding") {
        "invoices"
    } else if has("what_was_expected") || has("invoice_ids") {
        "invoice_queries"
    } else if has("contract_end_date") || has("next_payment_at") {
        "recurring_costs"
    } else if has("first_name") && has("type") {
        "contacts"
    } else if has("version") && has("name") && has("id") {
        "exchange_domains"
    } else {
        return Sniff::Unrecognised;
    };
    Sniff::Kind(kind)
}

fn page_of(file: &SavedFile) -> Result<Page, ImportError> {
    let items = match inner(&file.json) {
        Json::Null => Vec::new(),
        Json::Array(items) => items.clone(),
        object @ Json::Object(_) => vec![object.clone()],
        _ => {
            return Err(ImportError::new(
                &file.path,
                "the data is neither a list nor an object",
            ))
        }
    };
    let pagination = file.json.get("meta").and_then(|m| m.get("pagination"));
    let number = |key: &str| pagination.and_then(|p| p.get(key)).and_then(Json::as_u64);
    Ok(Page {
        items,
        current: number("current_page"),
        total_pages: number("total_pages"),
        total_items: number("total"),
    })
}

fn id_of(item: &Json) -> Option<String> {
    text(item, "id")
}

/// A v2 resource's state, from its `sync` (status and type).
fn sync_state(item: &Json, file: &str) -> Result<(&'static str, String), ImportError> {
    let sync = item.get("sync");
    let status = sync.and_then(|s| s.get("status")).and_then(Json::as_str);
    let kind = sync
        .and_then(|s| s.get("type"))
        .and_then(Json::as_str)
        .unwrap_or("");
    let id = text(item, "id").unwrap_or_default();
    let state = match status {
        Some("complete") if kind == "delete" => "gone",
        Some("complete") => "live",
        Some("in-progress") => "changing",
        Some("failed") => "failed",
        Some(other) => {
            return Err(ImportError::new(
                file,
                format!("{id}: sync.status {other:?} is none of complete, in-progress, failed"),
            ))
        }
        None => {
            return Err(ImportError::new(
                file,
                format!("{id}: no sync.status, so its state cannot be told"),
            ))
        }
    };
    let mut shown = if kind.is_empty() {
        status.unwrap_or_default().to_owned()
    } else {
        format!("{} {kind}", status.unwrap_or_default())
    };
    // A task still running on the resource (a newer API's `task`) means it
    // is changing whatever its last sync says: a delete that completed while
    // another task runs is not yet gone.
    let task = item.get("task");
    let task_running = task
        .and_then(|t| t.get("in_progress"))
        .and_then(Json::as_bool)
        == Some(true)
        || task.and_then(|t| t.get("status")).and_then(Json::as_str) == Some("in-progress");
    if task_running && state != "failed" {
        shown.push_str(", task in progress");
        return Ok(("changing", shown));
    }
    Ok((state, shown))
}

fn resource(item: &Json, kind: &str, state: &str, status: &str) -> Json {
    json!({
        "id": text(item, "id"),
        "type": kind,
        "name": text(item, "name"),
        "state": state,
        "status": status,
    })
}

pub fn build(saved: &[SavedFile], manifest: &Manifest) -> Result<Draft, ImportError> {
    let listings = pages::collect(saved, page_of, id_of)?;
    let mut draft = Draft::default();
    let need = |draft: &mut Draft, kind: &str, path: &str| {
        require(draft, manifest, &listings, KINDS, kind, path)
    };

    // The account: details give the primary contact; contacts the people.
    for (_, items, file) in listings.of("details") {
        if let Some(id) = items.first().and_then(|d| text(d, "primary_contact_id")) {
            draft.set("account.primary_contact_id", json!(id));
        } else {
            return Err(ImportError::new(
                file,
                "the account details give no primary_contact_id",
            ));
        }
    }
    for (_, items, _) in listings.of("contacts") {
        let contacts: Vec<Json> = items
            .iter()
            .map(|c| {
                let name = [text(c, "first_name"), text(c, "last_name")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                json!({"id": text(c, "id"), "name": name, "roles": text(c, "type").into_iter().collect::<Vec<_>>()})
            })
            .collect();
        if draft.get("account.primary_contact_id").is_none() {
            let primary: Vec<&Json> = items
                .iter()
                .filter(|c| {
                    text(c, "type").is_some_and(|t| t.eq_ignore_ascii_case("primary contact"))
                })
                .collect();
            if let [only] = primary.as_slice() {
                draft.set("account.primary_contact_id", json!(text(only, "id")));
            }
        }
        draft.set("account.contacts", Json::Array(contacts));
    }
    if draft.get("account.primary_contact_id").is_none() {
        draft.gap(
            "account.primary_contact_id",
            "no account details (`ans account details show -o json`) nor one contact of type \"Primary Contact\"",
        );
    }

    // Resources. eCloud v2 states come from `sync`; v1 VMs have a status.
    let mut resources = Vec::new();
    let v2 = [
        ("instances", "ukfast.ecloud_vpc_instance", true),
        ("vpcs", "ukfast.ecloud_vpc", false),
        ("floating_ips", "ukfast.ecloud_floating_ip", false),
        ("volumes", "ukfast.ecloud_volume", true),
    ];
    for (kind, resource_type, holds_data) in v2 {
        need(&mut draft, kind, "resources");
        for (_, items, file) in listings.of(kind) {
            for item in items {
                let (state, status) = sync_state(item, file)?;
                let mut r = resource(item, resource_type, state, &status);
                if let Some(vpc) = text(item, "vpc_id") {
                    r["parent_id"] = json!(vpc);
                }
                if holds_data {
                    r["holds_data"] = json!(true);
                }
                if kind == "floating_ips" {
                    // An empty resource_id: assigned to nothing (still charging).
                    r["assigned_to"] = json!(text(item, "resource_id"));
                }
                resources.push(r);
            }
        }
    }
    need(&mut draft, "v1_vms", "resources");
    for (_, items, file) in listings.of("v1_vms") {
        for item in items {
            let status = text(item, "status").unwrap_or_default();
            let state = match status.as_str() {
                "Complete" => "live",
                "Being Built" => "changing",
                "Failed" => "failed",
                other => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "VM {}: status {other:?} is none of Complete, Being Built, Failed",
                            text(item, "id").unwrap_or_default()
                        ),
                    ))
                }
            };
            let mut r = resource(item, "ukfast.ecloud_v1_vm", state, &status);
            r["holds_data"] = json!(true);
            resources.push(r);
        }
    }
    need(&mut draft, "exchange_domains", "resources");
    for (_, items, _) in listings.of("exchange_domains") {
        for item in items {
            resources.push(resource(
                item,
                "ukfast.shared_exchange_domain",
                "live",
                "listed",
            ));
        }
    }
    draft.set("resources", Json::Array(resources));

    // Billing: ANS bills in pounds sterling.
    draft.set("billing.currency", json!("GBP"));
    need(&mut draft, "invoices", "billing.invoices");
    for (_, items, file) in listings.of("invoices") {
        let mut invoices = Vec::new();
        for i in items {
            let outstanding = pages::amount(i, "outstanding", "id", file)?;
            // Paid only when the API says so and nothing is outstanding:
            // `paid: true` beside an outstanding balance is still owed.
            let paid = i.get("paid").and_then(Json::as_bool) == Some(true)
                && outstanding.is_some_and(|o| o <= 0.0);
            let status = if paid { "paid" } else { "open" };
            invoices.push(json!({"id": text(i, "id"), "amount_due": outstanding, "status": status, "date": text(i, "date")}));
        }
        draft.extend("billing.invoices", invoices);
    }
    need(&mut draft, "invoice_queries", "billing.invoice_queries");
    for (_, items, _) in listings.of("invoice_queries") {
        let queries = items
            .iter()
            .map(|q| {
                let resolved = q.get("resolution").and_then(Json::as_bool) == Some(true)
                    || text(q, "status").is_some_and(|s| s.eq_ignore_ascii_case("resolved") || s.eq_ignore_ascii_case("closed"));
                let invoice = q.get("invoice_ids").and_then(|ids| ids.get(0)).map(|id| match id {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                });
                json!({"id": text(q, "id"), "invoice_id": invoice, "status": if resolved { "resolved" } else { "open" }})
            })
            .collect();
        draft.extend("billing.invoice_queries", queries);
    }

    // Contracts: recurring costs are the nearest thing ANS's API has.
    need(&mut draft, "recurring_costs", "contracts");
    for (_, items, file) in listings.of("recurring_costs") {
        for cost in items {
            let id = text(cost, "id").unwrap_or_default();
            let raw = text(cost, "status").unwrap_or_default();
            let status = match raw.to_ascii_lowercase().as_str() {
                "active" => "active",
                "cancelled" | "terminated" => "terminated",
                "ended" | "expired" | "inactive" => "ended",
                _ => {
                    return Err(ImportError::new(
                        file,
                        format!(
                        "recurring cost {id}: status {raw:?} is none of Active, Cancelled, Ended"
                    ),
                    ))
                }
            };
            let product = cost
                .get("product")
                .and_then(|p| text(p, "name"))
                .or_else(|| text(cost, "description"));
            // The term ends at `contract_end_date`; a cost without one but
            // with an `end_date` runs until then. Neither: no term is given.
            let term_end = text(cost, "contract_end_date")
                .or_else(|| text(cost, "end_date"))
                .map(|d| d.chars().take(10).collect::<String>());
            // ANS writes a missing date as 0000-00-00: not a date, so an
            // error naming this file rather than the manifest's values.
            if let Some(date) = &term_end {
                if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                    return Err(ImportError::new(
                        file,
                        format!("recurring cost {id}: {date:?} is not a date (YYYY-MM-DD), so the contract's term cannot be told"),
                    ));
                }
            }
            draft.extend(
                "contracts",
                vec![json!({"id": id, "product": product, "status": status, "term_end": term_end})],
            );
        }
    }

    manifest_only(
        &mut draft,
        &["request.requested_by", "request.requested_date"],
    );
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_tells_the_kind() {
        let envelope = json!({"data": [{"id": "i-1", "vcpu_cores": 2, "sync": {"status": "complete", "type": "update"}}], "meta": {"pagination": {"total": 1}}});
        assert_eq!(sniff(&envelope), Sniff::Kind("instances"));
        assert_eq!(sniff(&json!(null)), Sniff::Listing);
        assert_eq!(sniff(&json!({"data": [], "meta": {}})), Sniff::Listing);
        assert_eq!(
            sniff(&json!([{"id": 1, "outstanding": 0.0, "paid": true}])),
            Sniff::Kind("invoices")
        );
        assert!(
            matches!(sniff(&json!({"errors": [{"title": "Unauthorised", "detail": "bad key"}]})), Sniff::ApiError(m) if m == "bad key")
        );
        assert!(
            matches!(sniff(&json!({"message": "Unauthenticated."})), Sniff::ApiError(m) if m == "Unauthenticated.")
        );
    }

    #[test]
    fn sync_gives_the_state() {
        let state = |status: &str, kind: &str| {
            sync_state(
                &json!({"id": "x", "sync": {"status": status, "type": kind}}),
                "f",
            )
            .map(|s| s.0)
        };
        assert_eq!(state("complete", "update"), Ok("live"));
        assert_eq!(state("complete", "delete"), Ok("gone"));
        assert_eq!(state("in-progress", "delete"), Ok("changing"));
        assert_eq!(state("failed", "update"), Ok("failed"));
        assert!(state("odd", "update").is_err());
        let running = json!({"id": "x", "sync": {"status": "complete", "type": "delete"}, "task": {"in_progress": true}});
        assert_eq!(sync_state(&running, "f").map(|s| s.0), Ok("changing"));
    }
}
