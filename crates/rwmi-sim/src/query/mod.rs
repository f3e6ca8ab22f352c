//! IWbemServices::ExecQuery (MS-WMI 3.1.4.3.18) over the repository: parse the WQL, check the class and
//! property names, then produce matching objects lazily.
//!
//! Status codes returned:
//! - WBEM_E_INVALID_QUERY_TYPE: the query language is not "WQL" (MS-WMI 3.1.4.3.18, strQueryLanguage
//!   "MUST be set to WQL"; 2.2.11 defines the code as "the query language specified is invalid").
//! - WBEM_E_INVALID_QUERY for syntax errors too, not WBEM_E_UNPARSABLE_QUERY: 3.1.4.3.18 says "If the
//!   strQuery is not syntactically valid or one or more elements in <PROPERTY-LIST> contains undefined
//!   properties, the server MUST return WBEM_E_INVALID_QUERY". WBEM_E_UNPARSABLE_QUERY (2.2.11) is what
//!   `wql::WqlError::hresult` gives for a syntax error; ExecQuery does not use it.
//! - WBEM_E_INVALID_QUERY for an unknown property in the SELECT list or the WHERE clause (Windows also
//!   checks the WHERE clause before running a query).
//! - WBEM_E_INVALID_CLASS for an unknown class after FROM (2.2.11: "the class name is invalid").
//! - WBEM_E_NOT_SUPPORTED for WQL the emulator does not implement (ASSOCIATORS OF, REFERENCES OF,
//!   event queries).
//! - WBEM_E_INVALID_NAMESPACE for an unknown namespace.
//!
//! `SELECT ... FROM meta_class` enumerates classes (the schema query `rwmi classes` uses); its WHERE
//! clause sees system properties (`__CLASS`, `__SUPERCLASS`, `__this ISA 'X'`) and property defaults.

mod object;
mod projection;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use rwmi_core::status::WbemStatus;
use rwmi_core::wmio::{Decoration, WmiClass, WmiObject};

use crate::repository::{InstanceOverlay, NoOverlay, Repository};
use crate::wql::{self, SelectList, SelectQuery, WqlError, WqlObject};

pub use object::{class_is_a, wql_value};
pub use projection::Projector;

/// The pseudo-class of schema queries.
pub const META_CLASS: &str = "meta_class";

/// The objects a query produces, lazily.
pub struct QueryResult {
    /// The class named after FROM (projected when the query names properties); rows of subclasses carry
    /// their own (projected) class. `None` for a `meta_class` query, whose results are classes.
    pub class: Option<Arc<WmiClass>>,
    rows: Box<dyn Iterator<Item = WmiObject> + Send>,
}

impl Iterator for QueryResult {
    type Item = WmiObject;

    fn next(&mut self) -> Option<WmiObject> {
        self.rows.next()
    }
}

/// The status ExecQuery answers for a WQL error (see the module documentation).
pub fn status_for(error: &WqlError) -> WbemStatus {
    match error {
        WqlError::Unparsable { .. } | WqlError::Invalid { .. } => WbemStatus::InvalidQuery,
        WqlError::Unsupported { .. } => WbemStatus::NotSupported,
    }
}

/// Runs a query given with its language, as ExecQuery receives it.
pub fn execute_in_language(
    repository: &Repository,
    namespace: &str,
    language: &str,
    text: &str,
) -> Result<QueryResult, WbemStatus> {
    if !language.eq_ignore_ascii_case("WQL") {
        return Err(WbemStatus::InvalidQueryType);
    }
    execute(repository, namespace, text)
}

/// Runs a WQL query in `namespace`.
pub fn execute(
    repository: &Repository,
    namespace: &str,
    text: &str,
) -> Result<QueryResult, WbemStatus> {
    execute_with(repository, namespace, text, &NoOverlay)
}

/// [`execute`] over the repository's instances and those of `overlay`.
pub fn execute_with(
    repository: &Repository,
    namespace: &str,
    text: &str,
    overlay: &dyn InstanceOverlay,
) -> Result<QueryResult, WbemStatus> {
    let query = wql::parse(text).map_err(|e| status_for(&e))?;
    let ns = repository
        .namespace(namespace)
        .ok_or(WbemStatus::InvalidNamespace)?;
    if query.class.eq_ignore_ascii_case(META_CLASS) {
        return classes(repository, ns.name(), query);
    }
    let class = ns
        .class(&query.class)
        .ok_or(WbemStatus::InvalidClass)?
        .clone();
    query
        .validate(|name| class.property(name).is_some())
        .map_err(|e| status_for(&e))?;
    let projection = selected(&query.properties);
    let instances = repository.instances_with(ns.name(), class.name(), true, overlay)?;
    let mut matching = instances.filter(move |instance| query.matches(instance));
    let (result_class, rows): (_, Box<dyn Iterator<Item = WmiObject> + Send>) = match projection {
        None => (class, Box::new(matching.map(WmiObject::Instance))),
        Some(names) => {
            let mut projector = Projector::new(names);
            let projected_class = projector.class(&class)?;
            let rows = std::iter::from_fn(move || {
                let instance = matching.next()?;
                match projector.instance(&instance) {
                    Ok(projected) => Some(WmiObject::Instance(projected)),
                    Err(status) => {
                        tracing::warn!(
                            status = status.name(),
                            "projection failed; ending the result"
                        );
                        None
                    }
                }
            });
            (projected_class, Box::new(rows))
        }
    };
    Ok(QueryResult {
        class: Some(result_class),
        rows,
    })
}

/// The names to project onto, `None` for `SELECT *`. System properties are always present, so they
/// select nothing; `__this` and dotted names neither.
fn selected(list: &SelectList) -> Option<Vec<String>> {
    match list {
        SelectList::All => None,
        SelectList::Properties(names) => Some(
            names
                .iter()
                .filter(|name| !name.starts_with("__") && !name.contains('.'))
                .cloned()
                .collect(),
        ),
    }
}

/// `SELECT * FROM meta_class [WHERE ...]`: every class of the namespace that satisfies the condition.
fn classes(
    repository: &Repository,
    namespace: &str,
    query: SelectQuery,
) -> Result<QueryResult, WbemStatus> {
    let decoration = Decoration {
        server: repository.computer_name().to_string(),
        namespace: namespace.to_string(),
    };
    let ns = repository
        .namespace(namespace)
        .ok_or(WbemStatus::InvalidNamespace)?;
    let matching: Vec<WmiObject> = ns
        .classes()
        .filter(|class| query.matches(class.as_ref()))
        .map(|class| WmiObject::Class(Arc::new(class.with_decoration(Some(decoration.clone())))))
        .collect();
    Ok(QueryResult {
        class: None,
        rows: Box::new(matching.into_iter()),
    })
}

/// Whether an object satisfies a condition, for callers holding a `WmiObject`.
pub fn object_matches(query: &SelectQuery, object: &WmiObject) -> bool {
    match object {
        WmiObject::Instance(instance) => query.matches(instance),
        WmiObject::Class(class) => query.matches(class.as_ref()),
    }
}

/// A property or system property of an object as the evaluator sees it (`None`: no such property).
pub fn property_of(object: &WmiObject, name: &str) -> Option<wql::WqlValue> {
    match object {
        WmiObject::Instance(instance) => WqlObject::property(instance, name),
        WmiObject::Class(class) => WqlObject::property(class.as_ref(), name),
    }
}
