//! Merging the pages of one listing. Every envelope says something about
//! paging: ANS `meta.pagination` (`total_pages`, `current_page`), Aptible
//! HAL (`current_page`, `per_page`, `total_count`), Tencent `TotalCount`. A
//! page that is missing, or two pages that disagree about one object, is an
//! error naming the files: a merged listing is whole or not at all.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::import::files::SavedFile;
use crate::import::ImportError;

/// One file's share of a listing.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Json>,
    /// The page number the response states.
    pub current: Option<u64>,
    /// How many pages the listing has, when the response says.
    pub total_pages: Option<u64>,
    /// How many objects the whole listing has, when the response says.
    pub total_items: Option<u64>,
}

/// Merges the pages of one listing (the files of one kind and qualifier), in
/// page order; `id_of` names an object, to find the same object twice.
pub fn merge(
    pages: Vec<(&SavedFile, Page)>,
    id_of: fn(&Json) -> Option<String>,
) -> Result<Vec<Json>, ImportError> {
    let Some((first, _)) = pages.first() else {
        return Ok(Vec::new());
    };
    let listing = match &first.qualifier {
        Some(q) => format!("{} of {q}", first.kind),
        None => first.kind.to_owned(),
    };
    let names = |pages: &[(&SavedFile, Page)]| {
        pages
            .iter()
            .map(|(f, _)| f.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut numbered: BTreeMap<u64, (&SavedFile, Page)> = BTreeMap::new();
    let several = pages.len() > 1;
    let all = names(&pages);
    let mut total_pages = None;
    let mut total_items = None;
    for (file, page) in pages {
        let number = match page.current.or(file.page) {
            Some(n) => n,
            None if !several => 1,
            None => {
                return Err(ImportError::new(
                    &file.path,
                    format!("{listing} is saved in several files ({all}) but this one says not which page it is; name it {}.pN.json", file.kind),
                ))
            }
        };
        for (what, known, given) in [
            ("pages", &mut total_pages, page.total_pages),
            ("objects", &mut total_items, page.total_items),
        ] {
            match (*known, given) {
                (Some(k), Some(g)) if k != g => {
                    return Err(ImportError::new(
                        &file.path,
                        format!("the pages of {listing} disagree: this one counts {g} {what}, another {k}; save them again at one time"),
                    ))
                }
                (None, Some(g)) => *known = Some(g),
                _ => {}
            }
        }
        if let Some((other, _)) = numbered.get(&number) {
            return Err(ImportError::new(
                &file.path,
                format!(
                    "page {number} of {listing} is saved twice: here and in {}",
                    other.path
                ),
            ));
        }
        numbered.insert(number, (file, page));
    }
    if let Some(total) = total_pages {
        let missing: Vec<String> = (1..=total.max(1))
            .filter(|n| !numbered.contains_key(n))
            .map(|n| n.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::new(
                all,
                format!(
                    "{listing} has {total} pages but page {} is missing; save every page",
                    missing.join(", ")
                ),
            ));
        }
    }
    let mut items: Vec<Json> = Vec::new();
    let mut seen: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (file, page) in numbered.values() {
        for item in &page.items {
            if let Some(id) = id_of(item) {
                if let Some((index, other)) = seen.get(&id) {
                    if items[*index] != *item {
                        return Err(ImportError::new(
                            &file.path,
                            format!("{listing} {id:?} differs between this file and {other}: they contradict each other; save them again at one time"),
                        ));
                    }
                    continue;
                }
                seen.insert(id, (items.len(), file.path.clone()));
            }
            items.push(item.clone());
        }
    }
    if let Some(total) = total_items {
        if items.len() as u64 != total {
            return Err(ImportError::new(
                all,
                format!(
                    "{listing} counts {total} objects but the saved pages hold {}; a page is missing (or the listing changed between pages)",
                    items.len()
                ),
            ));
        }
    }
    Ok(items)
}

/// The merged listings of `saved`, by kind and qualifier; `page_of` reads one
/// file's envelope.
pub fn collect(
    saved: &[SavedFile],
    page_of: fn(&SavedFile) -> Result<Page, ImportError>,
    id_of: fn(&Json) -> Option<String>,
) -> Result<Listings, ImportError> {
    let mut groups: BTreeMap<ListingKey, Vec<(&SavedFile, Page)>> = BTreeMap::new();
    for file in saved {
        let page = page_of(file)?;
        groups
            .entry((file.kind, file.qualifier.clone()))
            .or_default()
            .push((file, page));
    }
    let mut listings = Listings::default();
    for (key, pages) in groups {
        let files = pages.iter().map(|(f, _)| f.path.clone()).collect();
        let items = merge(pages, id_of)?;
        listings.map.insert(key, (items, files));
    }
    Ok(listings)
}

/// A listing: the kind of response and what it belongs to.
pub type ListingKey = (&'static str, Option<String>);

/// Merged listings: (kind, qualifier) -> (objects, the files they came from).
#[derive(Debug, Default)]
pub struct Listings {
    pub map: BTreeMap<ListingKey, (Vec<Json>, Vec<String>)>,
}

impl Listings {
    /// Every listing of `kind`, each with its qualifier and first file.
    pub fn of<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (Option<&'a str>, &'a [Json], &'a str)> + 'a {
        self.map
            .iter()
            .filter(move |((k, _), _)| *k == kind)
            .map(|((_, q), (items, files))| (q.as_deref(), items.as_slice(), files[0].as_str()))
    }

    pub fn has(&self, kind: &str) -> bool {
        self.of(kind).next().is_some()
    }
}

/// The string or number member `key` of `item`, as a string.
pub fn text(item: &Json, key: &str) -> Option<String> {
    match item.get(key)? {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A money field of `item` (of the entry whose id is at `id_key`, for the
/// message): a JSON number, or a numeric string as some API versions send;
/// absent or `null` is `None`; anything else is an error naming `file`,
/// never a silent zero or a silent gap.
pub fn amount(
    item: &Json,
    key: &str,
    id_key: &str,
    file: &str,
) -> Result<Option<f64>, ImportError> {
    let parsed = match item.get(key) {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Number(n)) => n.as_f64(),
        Some(Json::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match parsed {
        Some(value) if value.is_finite() => Ok(Some(value)),
        _ => {
            let whose = text(item, id_key)
                .map(|id| format!("{id} "))
                .unwrap_or_default();
            Err(ImportError::new(
                file,
                format!("{whose}{key}: {} is not an amount", item[key]),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_are_numbers_or_numeric_strings_never_a_silent_zero() {
        let of = |v: Json| {
            amount(
                &json!({"id": 7, "outstanding": v}),
                "outstanding",
                "id",
                "f",
            )
        };
        assert_eq!(of(json!(12.5)), Ok(Some(12.5)));
        assert_eq!(of(json!("12.50")), Ok(Some(12.5)));
        assert_eq!(of(Json::Null), Ok(None));
        let error = of(json!("twelve")).unwrap_err();
        assert_eq!(error.file, "f");
        assert_eq!(error.message, "7 outstanding: \"twelve\" is not an amount");
        assert!(of(json!(true)).is_err());
        assert!(of(json!("NaN")).is_err());
    }

    fn file(path: &str, page: Option<u64>) -> SavedFile {
        SavedFile {
            path: path.into(),
            kind: "instances",
            qualifier: None,
            page,
            json: Json::Null,
        }
    }

    fn id(item: &Json) -> Option<String> {
        text(item, "id")
    }

    #[test]
    fn pages_merge_in_order_and_a_gap_is_an_error() {
        let (a, b, c) = (
            file("a.json", None),
            file("b.json", None),
            file("c.json", None),
        );
        let page = |n, ids: &[&str]| Page {
            items: ids.iter().map(|i| json!({"id": i})).collect(),
            current: Some(n),
            total_pages: Some(3),
            total_items: None,
        };
        let merged = merge(
            vec![
                (&c, page(3, &["5"])),
                (&a, page(1, &["1", "2"])),
                (&b, page(2, &["3", "4"])),
            ],
            id,
        )
        .unwrap();
        let ids: Vec<_> = merged.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["1", "2", "3", "4", "5"]);
        let error = merge(vec![(&a, page(1, &["1"])), (&c, page(3, &["5"]))], id).unwrap_err();
        assert!(error.message.contains("page 2 is missing"), "{error}");
        assert_eq!(error.file, "a.json, c.json");
    }

    #[test]
    fn a_count_short_of_the_total_and_a_contradiction_are_errors() {
        let (a, b) = (file("a.json", Some(1)), file("b.json", Some(2)));
        let page = |items: Vec<Json>| Page {
            items,
            total_items: Some(3),
            ..Page::default()
        };
        let error = merge(
            vec![
                (&a, page(vec![json!({"id": "1"})])),
                (&b, page(vec![json!({"id": "2"})])),
            ],
            id,
        )
        .unwrap_err();
        assert!(error.message.contains("counts 3 objects"), "{error}");
        let error = merge(
            vec![
                (&a, page(vec![json!({"id": "1", "s": "a"})])),
                (
                    &b,
                    page(vec![json!({"id": "1", "s": "b"}), json!({"id": "2"})]),
                ),
            ],
            id,
        )
        .unwrap_err();
        assert!(error.message.contains("contradict"), "{error}");
    }
}
