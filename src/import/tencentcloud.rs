//! Tencent Cloud: the API 3.0 envelope `{"Response": {..., "RequestId"}}`
//! and `tccli`'s unwrapped objects. Shapes from `TencentCloud/
//! tencentcloud-sdk-go` (`tencentcloud/{cvm,cbs,cdb,cam,billing}/*/models.go`).
//! Money: `DescribeAccountBalance` counts in fen (1/100), `DescribeVoucherInfo`
//! in 10⁻⁸ of the currency unit. Local times (`2019-01-31 23:35:10`) are in
//! the manifest's `timezone`, by default UTC+8 as the API's.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use serde_json::{json, Value as Json};

use crate::import::files::{KindSpec, SavedFile, Sniff};
use crate::import::pages::{self, text, Page};
use crate::import::{manifest_only, require, Draft, ImportError, Manifest};

pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: "cvm",
        source: "tccli cvm DescribeInstances --region R",
        qualifier: None,
    },
    KindSpec {
        name: "cbs",
        source: "tccli cbs DescribeDisks --region R",
        qualifier: None,
    },
    KindSpec {
        name: "cdb",
        source: "tccli cdb DescribeDBInstances --region R",
        qualifier: None,
    },
    KindSpec {
        name: "users",
        source: "tccli cam ListUsers",
        qualifier: None,
    },
    KindSpec {
        name: "collaborators",
        source: "tccli cam ListCollaborators",
        qualifier: None,
    },
    KindSpec {
        name: "receivers",
        source: "tccli cam ListReceiver",
        qualifier: None,
    },
    KindSpec {
        name: "access_keys",
        source: "tccli cam ListAccessKeys [--TargetUin UIN]",
        qualifier: Some("user uin"),
    },
    KindSpec {
        name: "deals",
        source: "tccli billing DescribeDealsByCond",
        qualifier: None,
    },
    KindSpec {
        name: "balance",
        source: "tccli billing DescribeAccountBalance",
        qualifier: None,
    },
    KindSpec {
        name: "vouchers",
        source: "tccli billing DescribeVoucherInfo",
        qualifier: None,
    },
];

/// List members other Tencent products' responses use too.
const GENERIC: [&str; 3] = ["InstanceSet", "DiskSet", "Items"];

/// The list member each kind keeps its objects in.
const LISTS: [(&str, &str); 8] = [
    ("InstanceSet", "cvm"),
    ("DiskSet", "cbs"),
    ("Items", "cdb"),
    ("Receivers", "receivers"),
    ("AccessKeys", "access_keys"),
    ("Deals", "deals"),
    ("VoucherInfos", "vouchers"),
    ("Data", "users"),
];

fn unwrap(json: &Json) -> &Json {
    json.get("Response").unwrap_or(json)
}

pub fn sniff(json: &Json) -> Sniff {
    let body = unwrap(json);
    if let Some(error) = body.get("Error") {
        return Sniff::ApiError(format!(
            "{}: {}",
            text(error, "Code").unwrap_or_default(),
            text(error, "Message").unwrap_or_default()
        ));
    }
    if !body.is_object() {
        return Sniff::Unrecognised;
    }
    if body.get("Balance").is_some()
        && (body.get("OweAmount").is_some() || body.get("CashAccountBalance").is_some())
    {
        return Sniff::Kind("balance");
    }
    if let Some(data) = body.get("Data") {
        // ListCollaborators counts its data; ListUsers does not; an empty
        // uncounted `Data` could be either.
        if body.get("TotalNum").is_some() {
            return Sniff::Kind("collaborators");
        }
        return match data.as_array() {
            Some(items) if !items.is_empty() => Sniff::Kind("users"),
            _ => Sniff::Listing,
        };
    }
    match LISTS.iter().find(|(key, _)| body.get(*key).is_some()) {
        // `InstanceSet`, `DiskSet` and `Items` are shared with other
        // products (Redis, Lighthouse...): empty, they do not say which
        // product's listing they are, so the file name or `[files]` must.
        Some((key, kind)) if GENERIC.contains(key) => match body.get(*key) {
            Some(Json::Array(items)) if !items.is_empty() => Sniff::Kind(kind),
            _ => Sniff::Listing,
        },
        Some((_, kind)) => Sniff::Kind(kind),
        None => Sniff::Unrecognised,
    }
}

fn page_of(file: &SavedFile) -> Result<Page, ImportError> {
    let body = unwrap(&file.json);
    if file.kind == "balance" {
        return Ok(Page {
            items: vec![body.clone()],
            ..Page::default()
        });
    }
    let key = match file.kind {
        "collaborators" => "Data",
        kind => LISTS
            .iter()
            .find(|(_, k)| *k == kind)
            .map(|(key, _)| *key)
            .unwrap_or("Data"),
    };
    let items = match body.get(key) {
        Some(Json::Array(items)) => items.clone(),
        None | Some(Json::Null) => Vec::new(),
        Some(_) => return Err(ImportError::new(&file.path, format!("{key} is not a list"))),
    };
    let total = body
        .get("TotalCount")
        .or_else(|| body.get("TotalNum"))
        .and_then(Json::as_u64);
    Ok(Page {
        items,
        total_items: total,
        ..Page::default()
    })
}

fn id_of(item: &Json) -> Option<String> {
    [
        "InstanceId",
        "DiskId",
        "OrderId",
        "VoucherId",
        "AccessKeyId",
        "Uid",
        "Uin",
    ]
    .iter()
    .find_map(|key| text(item, key))
}

/// `2019-01-31 23:35:10` in `zone` as RFC 3339 (empty: absent).
fn local_time(value: Option<&Json>, zone: FixedOffset, file: &str) -> Result<Json, ImportError> {
    let Some(raw) = value.and_then(Json::as_str).filter(|s| !s.is_empty()) else {
        return Ok(Json::Null);
    };
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .map_err(|_| ImportError::new(file, format!("time {raw:?} is not YYYY-MM-DD hh:mm:ss")))?;
    let time = zone.from_local_datetime(&naive).single().ok_or_else(|| {
        ImportError::new(file, format!("time {raw:?} does not exist in the zone"))
    })?;
    Ok(json!(time.to_rfc3339()))
}

fn resource(
    id: Option<String>,
    kind: &str,
    name: Option<String>,
    state: &str,
    status: String,
) -> Json {
    json!({"id": id, "type": kind, "name": name, "state": state, "status": status, "holds_data": true})
}

/// A money field in `unit`s of the account's currency (fen: 100; voucher
/// micro units: 10^8); a value that is not an amount is an error.
fn amount(item: &Json, key: &str, unit: f64, file: &str) -> Result<Option<f64>, ImportError> {
    Ok(pages::amount(item, key, "VoucherId", file)?.map(|value| value / unit))
}

pub fn build(saved: &[SavedFile], manifest: &Manifest) -> Result<Draft, ImportError> {
    let zone = manifest
        .timezone
        .unwrap_or_else(|| FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    let listings = pages::collect(saved, page_of, id_of)?;
    let mut draft = Draft::default();
    let need = |draft: &mut Draft, kind: &str, path: &str| {
        require(draft, manifest, &listings, KINDS, kind, path)
    };

    // The account: the balance names it; vouchers and deals must agree.
    for (_, items, file) in listings.of("balance") {
        if let Some(uin) = items.first().and_then(|b| text(b, "Uin")) {
            draft.account(&uin, file)?;
        }
    }
    for (_, items, file) in listings.of("vouchers") {
        for v in items {
            if let Some(owner) = text(v, "OwnerUin") {
                draft.account(&owner, file)?;
            }
        }
    }
    for (_, items, file) in listings.of("deals") {
        for d in items {
            if let Some(payer) = text(d, "Payer") {
                draft.account(&payer, file)?;
            }
        }
    }

    // Resources, per product (and per region file).
    let mut resources = Vec::new();
    for kind in ["cvm", "cbs", "cdb"] {
        need(&mut draft, kind, "resources");
    }
    // No response says which regions an account uses: the manifest states
    // them, and each regional listing must be saved for each, or a region
    // left out would read as empty.
    match manifest.regions() {
        None => draft.gap(
            "resources",
            "the manifest does not state the regions the account uses (regions = [\"ap-guangzhou\", ...]): a region whose listings were not saved would read as empty",
        ),
        Some(regions) => {
            for kind in ["cvm", "cbs", "cdb"] {
                for (region, _, file) in listings.of(kind) {
                    match region {
                        Some(r) if regions.iter().any(|s| s == r) => {}
                        Some(r) => return Err(manifest.regions_error(format!(
                            "{file} is a listing of region {r:?}, which regions does not list; add it"
                        ))),
                        None => return Err(ImportError::new(
                            file,
                            format!("the listing does not name its region: name the file {kind}-REGION.json or map it in [files] as \"{kind}:REGION\""),
                        )),
                    }
                }
                if manifest.states_none(kind) {
                    continue;
                }
                for region in regions {
                    if !listings.of(kind).any(|(r, _, _)| r == Some(region.as_str())) {
                        draft.gap(
                            "resources",
                            format!("no {kind} listing of region {region} ({kind}-{region}.json), which regions lists"),
                        );
                    }
                }
            }
        }
    }
    for (_, items, file) in listings.of("cvm") {
        for i in items {
            let status = text(i, "InstanceState").unwrap_or_default();
            let state = match status.as_str() {
                "RUNNING" | "STOPPED" | "SHUTDOWN" => "live",
                "PENDING" | "STARTING" | "STOPPING" | "REBOOTING" | "TERMINATING" => "changing",
                "LAUNCH_FAILED" => "failed",
                other => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "instance {}: InstanceState {other:?} is not a CVM state",
                            text(i, "InstanceId").unwrap_or_default()
                        ),
                    ))
                }
            };
            let mut r = resource(
                text(i, "InstanceId"),
                "tencentcloud.cvm",
                text(i, "InstanceName"),
                state,
                status,
            );
            r["charge_type"] = json!(text(i, "InstanceChargeType"));
            resources.push(r);
        }
    }
    for (_, items, file) in listings.of("cbs") {
        for d in items {
            let status = text(d, "DiskState").unwrap_or_default();
            let state = match status.as_str() {
                "ATTACHED" | "UNATTACHED" => "live",
                "ATTACHING" | "DETACHING" | "EXPANDING" | "ROLLBACKING" | "TORECYCLE"
                | "DUMPING" => "changing",
                other => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "disk {}: DiskState {other:?} is not a CBS state",
                            text(d, "DiskId").unwrap_or_default()
                        ),
                    ))
                }
            };
            resources.push(resource(
                text(d, "DiskId"),
                "tencentcloud.cbs",
                text(d, "DiskName"),
                state,
                status,
            ));
        }
    }
    for (_, items, file) in listings.of("cdb") {
        for db in items {
            let code = db.get("Status").and_then(Json::as_i64);
            let (state, status) = match code {
                Some(0) => ("changing", "0 creating"),
                Some(1) => ("live", "1 running"),
                Some(4) => ("changing", "4 isolating"),
                Some(5) => ("live", "5 isolated"),
                _ => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "instance {}: Status {} is not a CDB status (0, 1, 4, 5)",
                            text(db, "InstanceId").unwrap_or_default(),
                            db.get("Status").unwrap_or(&Json::Null)
                        ),
                    ))
                }
            };
            resources.push(resource(
                text(db, "InstanceId"),
                "tencentcloud.cdb",
                text(db, "InstanceName"),
                state,
                status.into(),
            ));
        }
    }
    draft.set("resources", Json::Array(resources));

    // Principals: sub-users, collaborators, message recipients (not the owner).
    let mut principals = Vec::new();
    let mut sub_users: Vec<(String, Option<String>)> = Vec::new();
    for (kind, principal) in [
        ("users", "sub_user"),
        ("collaborators", "collaborator"),
        ("receivers", "message_recipient"),
    ] {
        need(&mut draft, kind, "principals");
        for (_, items, _) in listings.of(kind) {
            for p in items {
                if kind == "receivers" && p.get("IsReceiverOwner").and_then(Json::as_i64) == Some(1)
                {
                    continue;
                }
                let id = if kind == "receivers" {
                    text(p, "Uid")
                } else {
                    text(p, "Uin")
                };
                if kind == "users" {
                    sub_users.push((id.clone().unwrap_or_default(), text(p, "Name")));
                }
                principals.push(json!({"id": id, "kind": principal, "name": text(p, "Name")}));
            }
        }
    }
    draft.set("principals", Json::Array(principals));

    // API keys: one ListAccessKeys per user, named by the file.
    let mut keys = Vec::new();
    let mut owners: Vec<String> = Vec::new();
    let account = draft
        .account_id
        .as_ref()
        .map(|(id, _)| id.clone())
        .or_else(|| manifest.account_id());
    for (owner, items, file) in listings.of("access_keys") {
        let named = owner.unwrap_or_default().to_owned();
        // `access_keys.root.json`: the account owner's own keys.
        let owner = match (named.as_str(), &account) {
            ("root" | "owner", Some(id)) => id.clone(),
            _ => named.clone(),
        };
        for k in items {
            let status = match text(k, "Status").as_deref() {
                Some("Active") => "active",
                Some("Inactive") => "disabled",
                other => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "key {}: Status {other:?} is neither Active nor Inactive",
                            text(k, "AccessKeyId").unwrap_or_default()
                        ),
                    ))
                }
            };
            keys.push(json!({
                "id": text(k, "AccessKeyId"),
                "owner_id": owner,
                "status": status,
                "created_at": local_time(k.get("CreateTime"), zone, file)?,
            }));
        }
        owners.push(owner);
        owners.push(named);
    }
    let mut missing_keys: Vec<String> = Vec::new();
    let owner_saved = owners
        .iter()
        .any(|o| Some(o) == account.as_ref() || o == "root" || o == "owner");
    if !owner_saved {
        missing_keys.push("the account owner (access_keys.root.json)".into());
    }
    for (uin, name) in &sub_users {
        if !owners.iter().any(|o| o == uin || Some(o) == name.as_ref()) {
            missing_keys.push(format!("sub-user {uin}"));
        }
    }
    if !missing_keys.is_empty() && !manifest.states_none("access_keys") {
        draft.gap(
            "api_keys",
            format!("no ListAccessKeys saved for {}", missing_keys.join(", ")),
        );
    }
    draft.set("api_keys", Json::Array(keys));

    // Billing and rights.
    need(&mut draft, "deals", "billing.orders");
    for (_, items, file) in listings.of("deals") {
        let mut orders = Vec::new();
        for d in items {
            let status = match d.get("Status").and_then(Json::as_i64) {
                Some(1) => "pending",
                Some(3) | Some(5) | Some(12) => "in_progress",
                Some(2) | Some(4) => "completed",
                Some(6..=11) => "cancelled",
                other => {
                    return Err(ImportError::new(
                        file,
                        format!(
                            "deal {}: Status {other:?} is not a deal status (1 to 12)",
                            text(d, "OrderId").unwrap_or_default()
                        ),
                    ))
                }
            };
            orders.push(json!({"id": text(d, "OrderId"), "product": text(d, "ProductCode"), "status": status}));
        }
        draft.extend("billing.orders", orders);
    }
    need(&mut draft, "balance", "rights.cash_balance");
    need(&mut draft, "balance", "billing.invoices");
    need(&mut draft, "balance", "rights.gift_cards");
    for (_, items, file) in listings.of("balance") {
        let balance = &items[0];
        // `Balance` and `RealBalance` are the available balance; outside
        // mainland China `CashAccountBalance` is documented as not applied
        // (it may read 0 beside a real balance). The largest of the three
        // stated is the cash left: a balance is never read as smaller.
        let mut available = Vec::new();
        for key in ["Balance", "RealBalance"] {
            available.extend(amount(balance, key, 100.0, file)?);
        }
        // Money frozen (held for orders, disputes or refunds) is still the
        // account's: closing loses it as it loses the available balance.
        let frozen = amount(balance, "FreezeAmount", 100.0, file)?;
        // `CashAccountBalance` alone may read 0 beside a real balance: without
        // `Balance` or `RealBalance` the cash left cannot be told.
        if available.is_empty() {
            draft.gap(
                "rights.cash_balance",
                format!("{file} gives neither Balance nor RealBalance"),
            );
        } else {
            let cash = available
                .iter()
                .copied()
                .chain(amount(balance, "CashAccountBalance", 100.0, file)?)
                .fold(0.0, f64::max)
                + frozen.unwrap_or(0.0).max(0.0);
            draft.set("rights.cash_balance", json!(cash));
        }
        // A negative available balance is spending on credit: it is owed
        // even when `OweAmount` still reads 0.
        let debt = available
            .iter()
            .copied()
            .fold(0.0, |owed, b| f64::max(owed, -b));
        match amount(balance, "OweAmount", 100.0, file)?.map(|owe| owe.max(debt)) {
            Some(owed) if owed > 0.0 => draft.set(
                "billing.invoices",
                json!([{"id": "arrears", "amount_due": owed, "status": "overdue"}]),
            ),
            Some(_) => draft.set("billing.invoices", json!([])),
            None => draft.gap("billing.invoices", format!("{file} gives no OweAmount")),
        }
        match amount(balance, "PresentAccountBalance", 100.0, file)? {
            Some(gift) if gift > 0.0 => draft.set(
                "rights.gift_cards",
                json!([{"id": "present-account", "balance": gift, "status": "active"}]),
            ),
            Some(_) => draft.set("rights.gift_cards", json!([])),
            None => draft.gap(
                "rights.gift_cards",
                format!("{file} gives no PresentAccountBalance"),
            ),
        }
    }
    need(&mut draft, "vouchers", "rights.vouchers");
    for (_, items, file) in listings.of("vouchers") {
        let mut vouchers = Vec::new();
        for v in items {
            let status = match text(v, "Status").as_deref() {
                Some("unUsed") => "unused",
                Some("delivered") => "active",
                Some("used") => "used",
                Some("cancel") | Some("overdue") => "expired",
                other => return Err(ImportError::new(file, format!("voucher {}: Status {other:?} is none of unUsed, used, delivered, cancel, overdue", text(v, "VoucherId").unwrap_or_default()))),
            };
            let balance = amount(v, "Balance", 1e8, file)?;
            if balance.is_none() {
                draft.gap(
                    "rights.vouchers",
                    format!(
                        "{file}: voucher {} gives no Balance",
                        text(v, "VoucherId").unwrap_or_default()
                    ),
                );
            }
            vouchers.push(json!({
                "id": text(v, "VoucherId"),
                "balance": balance,
                "status": status,
                "expires_at": local_time(v.get("EndTime"), zone, file)?,
            }));
        }
        draft.extend("rights.vouchers", vouchers);
    }

    manifest_only(
        &mut draft,
        &[
            "account.type",
            "account.identity_verified",
            "account.recovery_mobile_verified",
            "request.identity_documents",
            "request.attestations",
            "billing.payments",
            "integrations",
            "data_exports",
        ],
    );
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_envelopes_and_errors() {
        // Empty, a list member other products share says nothing; filled,
        // the importer reads it (and errors on states it does not know).
        let wrapped = json!({"Response": {"TotalCount": 0, "InstanceSet": [], "RequestId": "r"}});
        assert_eq!(sniff(&wrapped), Sniff::Listing);
        let one = json!({"Response": {"TotalCount": 1, "InstanceSet": [{"InstanceId": "ins-1"}]}});
        assert_eq!(sniff(&one), Sniff::Kind("cvm"));
        assert_eq!(
            sniff(&json!({"TotalCount": 0, "DiskSet": []})),
            Sniff::Listing
        );
        assert_eq!(
            sniff(&json!({"TotalCount": 0, "Deals": []})),
            Sniff::Kind("deals")
        );
        assert_eq!(sniff(&json!({"Data": []})), Sniff::Listing);
        assert_eq!(
            sniff(&json!({"Data": [], "TotalNum": 0})),
            Sniff::Kind("collaborators")
        );
        let error = json!({"Response": {"Error": {"Code": "AuthFailure.SignatureExpire", "Message": "expired"}, "RequestId": "r"}});
        assert_eq!(
            sniff(&error),
            Sniff::ApiError("AuthFailure.SignatureExpire: expired".into())
        );
    }

    #[test]
    fn local_times_take_the_zone() {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(
            local_time(Some(&json!("2019-01-31 23:35:10")), zone, "f").unwrap(),
            json!("2019-01-31T23:35:10+08:00")
        );
        assert!(local_time(Some(&json!("31/01/2019")), zone, "f").is_err());
        assert_eq!(local_time(Some(&json!("")), zone, "f").unwrap(), Json::Null);
    }
}
