//! Chargebee's list operations, shared by every list the engine serves: filters written `attribute[operator]=value`,
//! `limit` (1 to 100, default 10), `offset` (an earlier page's `next_offset`) and `sort_by[asc|desc]`.
//!
//! Each list declares which attributes it filters on and with which operators, following the official SDKs'
//! parameter schemas. Anything else in the query is refused with Chargebee's 400 rather than ignored: a filter
//! that is silently dropped returns other customers' data to a caller who believes it asked for one.
//!
//! Pages are cut by keyset, not by counting rows: `next_offset` holds the last row's sort value and row number,
//! so rows written while a client pages through a list neither repeat nor go missing.

use growthkit_wire::{ApiError, ListParams};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, QueryBuilder, Row, Sqlite};

/// How many values an `in` or `not_in` filter may carry.
const MAX_LISTED_VALUES: usize = 100;

const SECONDS_PER_DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Is,
    IsNot,
    StartsWith,
    In,
    NotIn,
    IsPresent,
    After,
    Before,
    On,
    Between,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Op {
    const NAMES: [(Op, &'static str); 14] = [
        (Op::Is, "is"),
        (Op::IsNot, "is_not"),
        (Op::StartsWith, "starts_with"),
        (Op::In, "in"),
        (Op::NotIn, "not_in"),
        (Op::IsPresent, "is_present"),
        (Op::After, "after"),
        (Op::Before, "before"),
        (Op::On, "on"),
        (Op::Between, "between"),
        (Op::Lt, "lt"),
        (Op::Lte, "lte"),
        (Op::Gt, "gt"),
        (Op::Gte, "gte"),
    ];

    fn parse(name: &str) -> Option<Op> {
        Self::NAMES.iter().find(|(_, n)| *n == name).map(|(op, _)| *op)
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

const fn ops(list: &[Op]) -> u16 {
    let mut bits = 0;
    let mut i = 0;
    while i < list.len() {
        bits |= list[i].bit();
        i += 1;
    }
    bits
}

/// What values an attribute holds, which decides how a filter's value is read.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    /// One of these values; an empty list accepts any text (event types, of which Chargebee has hundreds).
    OneOf(&'static [&'static str]),
    Timestamp,
    Number,
    Boolean,
}

/// One filterable attribute of a list: its name on the wire, the SQL expression it reads, and its operators.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attr {
    name: &'static str,
    column: &'static str,
    kind: Kind,
    ops: u16,
    any_case: bool,
}

impl Attr {
    const fn new(name: &'static str, column: &'static str, kind: Kind, ops: u16) -> Self {
        Attr { name, column, kind, ops, any_case: false }
    }

    /// An id: `is`, `is_not`, `starts_with`, `in`, `not_in`.
    pub(crate) const fn id(name: &'static str, column: &'static str) -> Self {
        Self::new(name, column, Kind::Text, ops(&[Op::Is, Op::IsNot, Op::StartsWith, Op::In, Op::NotIn]))
    }

    /// Free text: `is`, `is_not`, `starts_with`.
    pub(crate) const fn text(name: &'static str, column: &'static str) -> Self {
        Self::new(name, column, Kind::Text, ops(&[Op::Is, Op::IsNot, Op::StartsWith]))
    }

    /// An enumeration: `is`, `is_not`, `in`, `not_in`, each value one of `values`.
    pub(crate) const fn one_of(name: &'static str, column: &'static str, values: &'static [&'static str]) -> Self {
        Self::new(name, column, Kind::OneOf(values), ops(&[Op::Is, Op::IsNot, Op::In, Op::NotIn]))
    }

    /// A Unix time: `after`, `before`, `on` (the same UTC day), `between` (both ends included).
    pub(crate) const fn timestamp(name: &'static str, column: &'static str) -> Self {
        Self::new(name, column, Kind::Timestamp, ops(&[Op::After, Op::Before, Op::On, Op::Between]))
    }

    /// An integer: `is`, `is_not`, `lt`, `lte`, `gt`, `gte`, `between`.
    pub(crate) const fn number(name: &'static str, column: &'static str) -> Self {
        let all = ops(&[Op::Is, Op::IsNot, Op::Lt, Op::Lte, Op::Gt, Op::Gte, Op::Between]);
        Self::new(name, column, Kind::Number, all)
    }

    /// `true` or `false`: `is`.
    pub(crate) const fn boolean(name: &'static str, column: &'static str) -> Self {
        Self::new(name, column, Kind::Boolean, ops(&[Op::Is]))
    }

    /// Also `is_present=true|false`, for attributes a resource may lack.
    pub(crate) const fn or_absent(mut self) -> Self {
        self.ops |= Op::IsPresent.bit();
        self
    }

    /// Also `in` and `not_in`.
    pub(crate) const fn listed(mut self) -> Self {
        self.ops |= ops(&[Op::In, Op::NotIn]);
        self
    }

    /// Compared without regard to letter case (e-mail addresses).
    pub(crate) const fn any_case(mut self) -> Self {
        self.any_case = true;
        self
    }

    fn allows(&self, op: Op) -> bool {
        self.ops & op.bit() != 0
    }
}

/// A `sort_by` choice: its name on the wire and the SQL expression it orders by (never NULL).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sort {
    pub name: &'static str,
    pub column: &'static str,
    /// Text values (names, ids) rather than integers (times).
    pub text: bool,
}

impl Sort {
    pub(crate) const fn time(name: &'static str, column: &'static str) -> Self {
        Sort { name, column, text: false }
    }

    pub(crate) const fn text(name: &'static str, column: &'static str) -> Self {
        Sort { name, column, text: true }
    }
}

/// What one list accepts, and how it reads its rows.
#[derive(Debug)]
pub(crate) struct ListSpec {
    pub attrs: &'static [Attr],
    /// `sort_by[asc|desc]` choices; none means the list has one fixed order.
    pub sorts: &'static [Sort],
    /// The order without `sort_by`.
    pub default_sort: Sort,
    pub default_descending: bool,
    /// A unique, ever-increasing row number that breaks ties between equal sort values.
    pub tiebreak: &'static str,
    /// Boolean switches the list accepts that change nothing here (`include_deleted`: the engine deletes nothing).
    pub switches: &'static [&'static str],
    /// `SELECT` list (without the word), and `FROM` with its joins.
    pub columns: &'static str,
    pub from: &'static str,
    /// A condition every row of the list meets, if any.
    pub scope: Option<&'static str>,
}

#[derive(Debug, Clone)]
enum Bound {
    Text(String),
    Int(i64),
    Bool(bool),
}

#[derive(Debug)]
struct Condition {
    attr: Attr,
    op: Op,
    values: Vec<Bound>,
}

/// A checked list request.
#[derive(Debug)]
pub(crate) struct ListQuery {
    spec: &'static ListSpec,
    conditions: Vec<Condition>,
    limit: i64,
    sort: Sort,
    descending: bool,
    after: Option<(Bound, i64)>,
}

fn unknown(key: &str) -> ApiError {
    ApiError::param(key, format!("{key} : is not a parameter of this list"))
}

impl ListQuery {
    /// Checks every parameter against `spec`; the first one it cannot honour is the error.
    pub(crate) fn parse(spec: &'static ListSpec, params: &ListParams) -> Result<Self, ApiError> {
        let mut seen = std::collections::HashSet::new();
        let mut query = ListQuery {
            spec,
            conditions: Vec::new(),
            limit: 10,
            sort: spec.default_sort,
            descending: spec.default_descending,
            after: None,
        };
        let mut offset = None;
        let mut sort_given = false;
        for (key, value) in params.pairs() {
            if !seen.insert(key.as_str()) {
                return Err(ApiError::param(key, format!("{key} : is given more than once")));
            }
            match key.as_str() {
                "limit" => query.limit = limit(value)?,
                "offset" => offset = Some(value.as_str()),
                "sort_by[asc]" | "sort_by[desc]" => {
                    if sort_given {
                        return Err(ApiError::param(key, "sort_by : give one of sort_by[asc] and sort_by[desc]"));
                    }
                    sort_given = true;
                    query.sort = *spec.sorts.iter().find(|s| s.name == value).ok_or_else(|| {
                        let names: Vec<&str> = spec.sorts.iter().map(|s| s.name).collect();
                        if names.is_empty() {
                            unknown(key)
                        } else {
                            ApiError::param(key, format!("{key} : must be one of {}", names.join(", ")))
                        }
                    })?;
                    query.descending = key == "sort_by[desc]";
                }
                other if spec.switches.contains(&other) => {
                    if !matches!(value.as_str(), "true" | "false") {
                        return Err(ApiError::param(key, format!("{key} : must be true or false")));
                    }
                }
                _ => query.conditions.push(condition(spec, key, value)?),
            }
        }
        if let Some(offset) = offset {
            query.after = Some(decode_offset(offset, query.sort.text)?);
        }
        Ok(query)
    }

    /// Reads one page: rows as `T`, and the `next_offset` when more rows follow.
    pub(crate) async fn page<'c, T, E>(&self, executor: E) -> Result<(Vec<T>, Option<String>), sqlx::Error>
    where
        T: for<'r> FromRow<'r, SqliteRow>,
        E: sqlx::Executor<'c, Database = Sqlite>,
    {
        let spec = self.spec;
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT ");
        qb.push(spec.columns)
            .push(", ")
            .push(self.sort.column)
            .push(" AS page_sort, ")
            .push(spec.tiebreak)
            .push(" AS page_seq ")
            .push(spec.from)
            .push(" WHERE ")
            .push(spec.scope.unwrap_or("1 = 1"));
        for c in &self.conditions {
            qb.push(" AND ");
            push_condition(&mut qb, c);
        }
        if let Some((sort_value, seq)) = &self.after {
            let beyond = if self.descending { " < " } else { " > " };
            qb.push(" AND (").push(self.sort.column).push(beyond);
            push_bound(&mut qb, sort_value);
            qb.push(" OR (").push(self.sort.column).push(" = ");
            push_bound(&mut qb, sort_value);
            qb.push(" AND ").push(spec.tiebreak).push(beyond).push_bind(*seq).push("))");
        }
        let direction = if self.descending { " DESC" } else { " ASC" };
        qb.push(" ORDER BY ")
            .push(self.sort.column)
            .push(direction)
            .push(", ")
            .push(spec.tiebreak)
            .push(direction)
            .push(" LIMIT ")
            .push_bind(self.limit + 1);
        let rows = qb.build().fetch_all(executor).await?;
        let more = rows.len() as i64 > self.limit;
        let kept = &rows[..rows.len().min(self.limit as usize)];
        let next_offset = match (more, kept.last()) {
            (true, Some(last)) => Some(self.encode_offset(last)?),
            _ => None,
        };
        let list = kept.iter().map(T::from_row).collect::<Result<_, _>>()?;
        Ok((list, next_offset))
    }

    /// `["<sort value>","<row number>"]`, the shape of Chargebee's own offsets.
    fn encode_offset(&self, row: &SqliteRow) -> Result<String, sqlx::Error> {
        let sort_value = if self.sort.text {
            row.try_get::<String, _>("page_sort")?
        } else {
            row.try_get::<i64, _>("page_sort")?.to_string()
        };
        let seq: i64 = row.try_get("page_seq")?;
        Ok(serde_json::json!([sort_value, seq.to_string()]).to_string())
    }
}

/// The parameters of a list under a parent (`/customers/{id}/subscriptions`), which takes only `limit` and
/// `offset`, with the parent as a filter of the full list.
pub(crate) fn under_parent(params: &ListParams, filter: &str, parent_id: &str) -> Result<ListParams, ApiError> {
    if let Some((key, _)) = params.pairs().iter().find(|(k, _)| k != "limit" && k != "offset") {
        return Err(unknown(key));
    }
    Ok(params.pairs().iter().cloned().collect::<ListParams>().with(filter, parent_id))
}

/// A raw query string's parameters, in order.
pub(crate) fn query_params(raw: Option<&str>) -> ListParams {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn limit(value: &str) -> Result<i64, ApiError> {
    match value.trim().parse::<i64>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n),
        _ => Err(ApiError::param("limit", "limit : must be an integer from 1 to 100")),
    }
}

fn decode_offset(offset: &str, text: bool) -> Result<(Bound, i64), ApiError> {
    let bad = || ApiError::param("offset", "offset : is not a next_offset this list gave");
    let parts: Vec<String> = serde_json::from_str(offset).map_err(|_| bad())?;
    let [sort_value, seq] = parts.as_slice() else { return Err(bad()) };
    let seq = seq.parse().map_err(|_| bad())?;
    let sort_value =
        if text { Bound::Text(sort_value.clone()) } else { Bound::Int(sort_value.parse().map_err(|_| bad())?) };
    Ok((sort_value, seq))
}

/// Splits `gifter[customer_id][is]` into the attribute `gifter[customer_id]` and the operator `is`.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let open = key.rfind('[')?;
    let op = key[open + 1..].strip_suffix(']')?;
    Some((&key[..open], op))
}

fn condition(spec: &ListSpec, key: &str, raw: &str) -> Result<Condition, ApiError> {
    let (name, op_name) = split_key(key).ok_or_else(|| unknown(key))?;
    let attr = *spec.attrs.iter().find(|a| a.name == name).ok_or_else(|| unknown(key))?;
    let op = Op::parse(op_name).filter(|op| attr.allows(*op)).ok_or_else(|| {
        let allowed: Vec<&str> = Op::NAMES.iter().filter(|(op, _)| attr.allows(*op)).map(|(_, n)| *n).collect();
        ApiError::param(key, format!("{key} : {name} takes only {}", allowed.join(", ")))
    })?;
    let value = raw.trim();
    let values = match op {
        Op::IsPresent => vec![Bound::Bool(boolean(key, value)?)],
        Op::In | Op::NotIn => {
            let items = listed(key, value)?;
            items.iter().map(|v| one_value(&attr, key, v)).collect::<Result<_, _>>()?
        }
        Op::Between => {
            let items = listed(key, value)?;
            let [low, high] = items.as_slice() else {
                return Err(ApiError::param(key, format!("{key} : must be two values, [from,to]")));
            };
            vec![one_value(&attr, key, low)?, one_value(&attr, key, high)?]
        }
        _ => vec![one_value(&attr, key, value)?],
    };
    Ok(Condition { attr, op, values })
}

fn boolean(key: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::param(key, format!("{key} : must be true or false"))),
    }
}

/// A list value as the SDKs send it: a JSON array (`["a","b"]`, `[1,2]`; Node), a Python list's text
/// (`['a', 'b']`; the Python SDK), or Chargebee's bare `[a,b]`.
fn listed(key: &str, value: &str) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::param(key, format!("{key} : must be a list, [a,b,…]"));
    let items: Vec<String> = match serde_json::from_str::<Value>(value) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                _ => Err(bad()),
            })
            .collect::<Result<_, _>>()?,
        Ok(_) => return Err(bad()),
        Err(_) => {
            let inner = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')).ok_or_else(bad)?;
            if inner.trim().is_empty() {
                Vec::new()
            } else {
                inner.split(',').map(|s| unquoted(s.trim()).to_owned()).collect()
            }
        }
    };
    if items.len() > MAX_LISTED_VALUES {
        return Err(ApiError::param(key, format!("{key} : may list at most {MAX_LISTED_VALUES} values")));
    }
    Ok(items)
}

fn unquoted(s: &str) -> &str {
    s.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')).unwrap_or(s)
}

fn one_value(attr: &Attr, key: &str, value: &str) -> Result<Bound, ApiError> {
    match attr.kind {
        Kind::Text => {
            if value.is_empty() {
                return Err(ApiError::missing(key));
            }
            Ok(Bound::Text(if attr.any_case { value.to_lowercase() } else { value.to_owned() }))
        }
        Kind::OneOf(values) => {
            if value.is_empty() || (!values.is_empty() && !values.contains(&value)) {
                let choices = if values.is_empty() { String::new() } else { format!(" ({})", values.join(", ")) };
                return Err(ApiError::param(key, format!("{key} : {value} is not a value of {}{choices}", attr.name)));
            }
            Ok(Bound::Text(value.to_owned()))
        }
        Kind::Timestamp => match value.parse::<i64>() {
            Ok(t) if (0..=growthkit_clock::MAX_TIMESTAMP).contains(&t) => Ok(Bound::Int(t)),
            _ => Err(ApiError::param(key, format!("{key} : must be a Unix time in seconds"))),
        },
        Kind::Number => {
            value.parse().map(Bound::Int).map_err(|_| ApiError::param(key, format!("{key} : must be an integer")))
        }
        Kind::Boolean => boolean(key, value).map(Bound::Bool),
    }
}

fn push_bound(qb: &mut QueryBuilder<'_, Sqlite>, bound: &Bound) {
    match bound {
        Bound::Text(s) => qb.push_bind(s.clone()),
        Bound::Int(n) => qb.push_bind(*n),
        Bound::Bool(b) => qb.push_bind(*b),
    };
}

fn push_condition(qb: &mut QueryBuilder<'_, Sqlite>, c: &Condition) {
    let column = if c.attr.any_case { format!("lower({})", c.attr.column) } else { c.attr.column.to_owned() };
    let first = &c.values[0];
    match c.op {
        Op::Is => {
            qb.push(&column).push(" = ");
            push_bound(qb, first);
        }
        Op::IsNot => {
            qb.push("(").push(&column).push(" IS NULL OR ").push(&column).push(" <> ");
            push_bound(qb, first);
            qb.push(")");
        }
        Op::StartsWith => {
            // substr rather than LIKE: SQLite's LIKE ignores case and treats % and _ in the value as wildcards.
            let Bound::Text(prefix) = first else { return };
            qb.push("substr(").push(&column).push(", 1, ").push_bind(prefix.chars().count() as i64).push(") = ");
            push_bound(qb, first);
        }
        Op::In | Op::NotIn => {
            if c.values.is_empty() {
                qb.push(if c.op == Op::In { "1 = 0" } else { "1 = 1" });
                return;
            }
            if c.op == Op::NotIn {
                qb.push("(").push(&column).push(" IS NULL OR ").push(&column).push(" NOT IN (");
            } else {
                qb.push(&column).push(" IN (");
            }
            let mut values = qb.separated(", ");
            for v in &c.values {
                match v {
                    Bound::Text(s) => values.push_bind(s.clone()),
                    Bound::Int(n) => values.push_bind(*n),
                    Bound::Bool(b) => values.push_bind(*b),
                };
            }
            qb.push(if c.op == Op::NotIn { "))" } else { ")" });
        }
        Op::IsPresent => {
            let present = matches!(first, Bound::Bool(true));
            let test = match (c.attr.kind, present) {
                (Kind::Text, true) => format!("COALESCE({column}, '') <> ''"),
                (Kind::Text, false) => format!("COALESCE({column}, '') = ''"),
                (_, true) => format!("{column} IS NOT NULL"),
                (_, false) => format!("{column} IS NULL"),
            };
            qb.push(test);
        }
        Op::After | Op::Gt => compare(qb, &column, " > ", first),
        Op::Before | Op::Lt => compare(qb, &column, " < ", first),
        Op::Gte => compare(qb, &column, " >= ", first),
        Op::Lte => compare(qb, &column, " <= ", first),
        Op::On => {
            let Bound::Int(t) = first else { return };
            let day = t - t.rem_euclid(SECONDS_PER_DAY);
            qb.push(&column).push(" >= ").push_bind(day).push(" AND ").push(&column).push(" < ");
            qb.push_bind(day + SECONDS_PER_DAY);
        }
        Op::Between => {
            qb.push(&column).push(" BETWEEN ");
            push_bound(qb, first);
            qb.push(" AND ");
            push_bound(qb, &c.values[1]);
        }
    }
}

fn compare(qb: &mut QueryBuilder<'_, Sqlite>, column: &str, op: &str, value: &Bound) {
    qb.push(column).push(op);
    push_bound(qb, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    static SPEC: ListSpec = ListSpec {
        attrs: &[
            Attr::id("id", "id"),
            Attr::one_of("status", "status", &["active", "cancelled"]),
            Attr::timestamp("created_at", "created_at"),
            Attr::text("gifter[customer_id]", "gifter").or_absent(),
        ],
        sorts: &[Sort::time("created_at", "created_at")],
        default_sort: Sort::time("created_at", "created_at"),
        default_descending: false,
        tiebreak: "rowid",
        switches: &["include_deleted"],
        columns: "id",
        from: "FROM t",
        scope: None,
    };

    fn parse(query: &str) -> Result<ListQuery, ApiError> {
        ListQuery::parse(&SPEC, &query_params(Some(query)))
    }

    #[test]
    fn reads_filters_as_the_sdks_send_them() {
        let q = parse("status[in]=%5B%22active%22%2C%22cancelled%22%5D&id[starts_with]=sub_&limit=5").unwrap();
        assert_eq!(q.limit, 5);
        assert_eq!(q.conditions.len(), 2);
        assert_eq!(q.conditions[0].values.len(), 2);
        let bare = parse("status[not_in]=[active,cancelled]").unwrap();
        assert_eq!(bare.conditions[0].values.len(), 2);
        let python = parse("status[in]=%5B%27active%27%2C+%27cancelled%27%5D").unwrap();
        assert!(matches!(&python.conditions[0].values[1], Bound::Text(v) if v == "cancelled"));
        let nested = parse("gifter[customer_id][is_present]=true").unwrap();
        assert_eq!(nested.conditions[0].attr.name, "gifter[customer_id]");
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        for (query, param) in [
            ("customer_id[is]=c1", "customer_id[is]"),
            ("status[starts_with]=a", "status[starts_with]"),
            ("status[is]=paused", "status[is]"),
            ("created_at[after]=soon", "created_at[after]"),
            ("created_at[between]=[1,2,3]", "created_at[between]"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("offset=12", "offset"),
            ("sort_by[asc]=name", "sort_by[asc]"),
            ("include_deleted=maybe", "include_deleted"),
            ("id[is]=a&id[is]=b", "id[is]"),
            ("colour=red", "colour"),
        ] {
            let err = parse(query).expect_err(query);
            assert_eq!(err.http_status_code, 400, "{query}");
            assert_eq!(err.param.as_deref(), Some(param), "{query}");
        }
    }

    #[test]
    fn offsets_round_trip_and_reject_tampering() {
        let (sort, seq) = decode_offset(r#"["1700000000","12"]"#, false).unwrap();
        assert!(matches!(sort, Bound::Int(1_700_000_000)));
        assert_eq!(seq, 12);
        assert!(decode_offset(r#"["name","12"]"#, false).is_err());
        assert!(decode_offset(r#"["a"]"#, true).is_err());
    }
}
