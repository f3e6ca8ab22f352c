//! CIM values as Python values: integers as `int`, reals as `float`, booleans as `bool`, strings,
//! references and CHAR16 as `str`, datetimes as timezone-aware `datetime.datetime` (DSP0004 2.3: the
//! UTC offset in minutes), intervals as `datetime.timedelta`, arrays as lists, embedded objects as
//! nested dicts, NULL as `None`. A datetime Python cannot hold (wildcards `*`, year 0, an offset of a
//! day or more) stays the CIM string rather than becoming something it is not.

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};
use rwmi::{CimDateTime, Value, WmiInstance, WmiObject};

/// One instance as a dict, properties in declaration order.
pub struct Row(pub WmiInstance);

/// A class or an instance from `get()`: an instance as a `Row`; a class as a dict of its properties'
/// defaults with `__CLASS`.
pub struct Object(pub WmiObject);

/// The `datetime` module's types, looked up once per process.
struct DateTimeTypes<'py> {
    datetime: &'py Bound<'py, PyAny>,
    timedelta: &'py Bound<'py, PyAny>,
    timezone: &'py Bound<'py, PyAny>,
}

impl<'py> DateTimeTypes<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        static TIMEZONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        Ok(Self {
            datetime: DATETIME.import(py, "datetime", "datetime")?,
            timedelta: TIMEDELTA.import(py, "datetime", "timedelta")?,
            timezone: TIMEZONE.import(py, "datetime", "timezone")?,
        })
    }
}

impl<'py> IntoPyObject<'py> for Row {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let types = DateTimeTypes::new(py)?;
        instance_dict(py, &types, &self.0)
    }
}

impl<'py> IntoPyObject<'py> for Object {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let types = DateTimeTypes::new(py)?;
        match self.0 {
            WmiObject::Instance(i) => instance_dict(py, &types, &i),
            WmiObject::Class(class) => {
                let dict = PyDict::new(py);
                dict.set_item("__CLASS", class.name())?;
                for p in class.properties() {
                    dict.set_item(&p.name, optional(py, &types, p.default.as_ref())?)?;
                }
                Ok(dict)
            }
        }
    }
}

fn instance_dict<'py>(
    py: Python<'py>,
    types: &DateTimeTypes<'py>,
    row: &WmiInstance,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (i, property) in row.class.properties().iter().enumerate() {
        let v = optional(py, types, row.values.get(i).and_then(Option::as_ref))?;
        dict.set_item(PyString::new(py, &property.name), v)?;
    }
    Ok(dict)
}

/// A property's value; NULL is `None`.
fn optional<'py>(
    py: Python<'py>,
    types: &DateTimeTypes<'py>,
    v: Option<&Value>,
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Some(v) => value(py, types, v),
        None => Ok(py.None().into_bound(py)),
    }
}

fn value<'py>(
    py: Python<'py>,
    types: &DateTimeTypes<'py>,
    v: &Value,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(n) = v.integer() {
        return n.into_bound_py_any(py);
    }
    Ok(match v {
        Value::Real32(x) => PyFloat::new(py, f64::from(*x)).into_any(),
        Value::Real64(x) => PyFloat::new(py, *x).into_any(),
        Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::String(s) | Value::Reference(s) => PyString::new(py, s).into_any(),
        Value::Char16(c) => {
            let ch = char::from_u32(u32::from(*c)).unwrap_or(char::REPLACEMENT_CHARACTER);
            PyString::new(py, ch.encode_utf8(&mut [0; 4])).into_any()
        }
        Value::DateTime(s) => datetime(py, types, s)?,
        Value::Object(o) => match o.as_ref() {
            WmiObject::Instance(i) => instance_dict(py, types, i)?.into_any(),
            WmiObject::Class(c) => PyString::new(py, c.name()).into_any(),
        },
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value(py, types, item)?)?;
            }
            list.into_any()
        }
        _ => py.None().into_bound(py),
    })
}

/// `yyyymmddhhmmss.mmmmmmsUUU` as an aware datetime, `ddddddddhhmmss.mmmmmm:000` as a timedelta.
fn datetime<'py>(
    py: Python<'py>,
    types: &DateTimeTypes<'py>,
    text: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let fallback = || Ok(PyString::new(py, text).into_any());
    match CimDateTime::parse(text) {
        Some(CimDateTime::Interval(i)) => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("days", i.days)?;
            kwargs.set_item("hours", i.hours)?;
            kwargs.set_item("minutes", i.minutes)?;
            kwargs.set_item("seconds", i.seconds)?;
            kwargs.set_item("microseconds", i.microseconds)?;
            types.timedelta.call((), Some(&kwargs))
        }
        Some(CimDateTime::Timestamp(t)) if t.offset_minutes.unsigned_abs() < 24 * 60 => {
            let offset_kwargs = PyDict::new(py);
            offset_kwargs.set_item("minutes", t.offset_minutes)?;
            let tz = types
                .timezone
                .call1((types.timedelta.call((), Some(&offset_kwargs))?,))?;
            // datetime() refuses what is not a date (month 13, second 60): keep the text then.
            let args = (
                t.year,
                t.month,
                t.day,
                t.hour,
                t.minute,
                t.second.min(59),
                t.microsecond,
                tz,
            );
            types.datetime.call1(args).or_else(|_| fallback())
        }
        _ => fallback(),
    }
}

/// `call()`'s in-parameters as the text rwmi converts to the declared types: `True`/`False` for
/// booleans, numbers and strings as they are, lists comma-separated.
pub fn method_arguments(params: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, String)>> {
    let Some(params) = params else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(params.len());
    for (key, value) in params.iter() {
        let name: String = key.extract()?;
        let text = if let Ok(list) = value.cast::<PyList>() {
            let mut parts = Vec::with_capacity(list.len());
            for item in list.iter() {
                parts.push(scalar_text(&name, &item)?);
            }
            parts.join(",")
        } else {
            scalar_text(&name, &value)?
        };
        out.push((name, text));
    }
    Ok(out)
}

fn scalar_text(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.to_string());
    }
    if let Ok(s) = value.extract::<String>() {
        return Ok(s);
    }
    if let Ok(n) = value.extract::<i128>() {
        return Ok(n.to_string());
    }
    if let Ok(x) = value.extract::<f64>() {
        return Ok(x.to_string());
    }
    Err(PyTypeError::new_err(format!(
        "in-parameter {name}: {} is not a str, int, float, bool or list of them",
        value.get_type().name()?
    )))
}
