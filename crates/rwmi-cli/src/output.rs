//! Rows out, in the format asked for. JSON uses the shape `rwmi decode` prints, so outputs can be diffed;
//! ndjson lines also carry `"host"`. Table output waits for all rows to size its columns; the other formats
//! stream.

use std::io::Write;

use rwmi::json::{json_string, value_to_json};
use rwmi::{Value, WmiInstance, WmiObject};

use crate::args::Format;

pub struct Printer {
    format: Format,
    selection: Vec<String>,
    no_header: bool,
    multi_host: bool,
    columns: Option<Vec<String>>,
    table: Vec<Vec<String>>,
    rows_written: usize,
    out: std::io::Stdout,
}

/// A value as a person reads it: text unquoted, booleans True/False, arrays in braces, null as nothing.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::String(s) | Value::DateTime(s) | Value::Reference(s)) => s.clone(),
        Some(Value::Boolean(b)) => if *b { "True" } else { "False" }.to_string(),
        Some(Value::Char16(c)) => {
            char::from_u32(u32::from(*c)).map_or_else(|| c.to_string(), String::from)
        }
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(|v| value_text(Some(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Some(Value::Object(o)) => rwmi::json::object_to_json(o),
        Some(other) => value_to_json(other),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

impl Printer {
    pub fn new(format: Format, selection: Vec<String>, no_header: bool, multi_host: bool) -> Self {
        Printer {
            format,
            selection,
            no_header,
            multi_host,
            columns: None,
            table: Vec::new(),
            rows_written: 0,
            out: std::io::stdout(),
        }
    }

    /// The properties shown: the selection, else the first row's class order.
    fn columns(&mut self, instance: &WmiInstance) -> Vec<String> {
        if self.columns.is_none() {
            let columns = if self.selection.is_empty() {
                instance
                    .class
                    .properties()
                    .iter()
                    .map(|p| p.name.clone())
                    .collect()
            } else {
                self.selection.clone()
            };
            self.columns = Some(columns);
        }
        self.columns.clone().unwrap_or_default()
    }

    fn selected<'a>(&self, instance: &'a WmiInstance) -> Vec<(String, Option<&'a Value>)> {
        if self.selection.is_empty() {
            instance
                .class
                .properties()
                .iter()
                .zip(&instance.values)
                .map(|(p, v)| (p.name.clone(), v.as_ref()))
                .collect()
        } else {
            self.selection
                .iter()
                .map(|name| {
                    let value = instance
                        .class
                        .properties()
                        .iter()
                        .position(|p| p.name.eq_ignore_ascii_case(name))
                        .and_then(|i| instance.values.get(i))
                        .and_then(Option::as_ref);
                    (name.clone(), value)
                })
                .collect()
        }
    }

    fn json_object(&self, host: &str, instance: &WmiInstance, with_host: bool) -> String {
        let mut s = String::from("{");
        if with_host {
            s.push_str(&format!("\"host\": {}, ", json_string(host)));
        }
        s.push_str(&format!(
            "\"__CLASS\": {}",
            json_string(instance.class.name())
        ));
        for (name, value) in self.selected(instance) {
            s.push_str(&format!(
                ", {}: {}",
                json_string(&name),
                value.map_or_else(|| "null".to_string(), value_to_json)
            ));
        }
        s.push('}');
        s
    }

    /// Prints (or, for a table, keeps) one row.
    pub fn row(&mut self, host: &str, instance: &WmiInstance) {
        let mut out = self.out.lock();
        match self.format {
            Format::Json => {
                let sep = if self.rows_written == 0 {
                    "[\n  "
                } else {
                    ",\n  "
                };
                let line = self.json_object(host, instance, self.multi_host);
                let _ = write!(out, "{sep}{line}");
                self.rows_written += 1;
            }
            Format::Ndjson => {
                let _ = writeln!(out, "{}", self.json_object(host, instance, true));
            }
            Format::List => {
                let _ = writeln!(
                    out,
                    "{}",
                    if self.multi_host {
                        format!("[{host}] {}", instance.class.name())
                    } else {
                        instance.class.name().to_string()
                    }
                );
                let rows = self.selected(instance);
                let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
                for (name, value) in rows {
                    let _ = writeln!(out, "  {name:<width$} : {}", value_text(value));
                }
                let _ = writeln!(out);
            }
            Format::Csv => {
                drop(out);
                let columns = self.columns(instance);
                let mut out = self.out.lock();
                if self.rows_written == 0 && !self.no_header {
                    let mut header: Vec<String> = columns.iter().map(|c| csv_field(c)).collect();
                    if self.multi_host {
                        header.insert(0, "host".into());
                    }
                    let _ = writeln!(out, "{}", header.join(","));
                }
                self.rows_written += 1;
                let mut fields: Vec<String> = columns
                    .iter()
                    .map(|c| csv_field(&value_text(instance.get(c))))
                    .collect();
                if self.multi_host {
                    fields.insert(0, csv_field(host));
                }
                let _ = writeln!(out, "{}", fields.join(","));
            }
            Format::Table => {
                drop(out);
                let columns = self.columns(instance);
                let mut cells: Vec<String> = columns
                    .iter()
                    .map(|c| value_text(instance.get(c)))
                    .collect();
                if self.multi_host {
                    cells.insert(0, host.to_string());
                }
                self.table.push(cells);
            }
        }
    }

    /// A class (from `get CLASS` or `classes`): its name and properties with types.
    pub fn object(&mut self, host: &str, object: &WmiObject) {
        match object {
            WmiObject::Instance(i) => self.row(host, i),
            WmiObject::Class(class) => {
                let mut out = self.out.lock();
                match self.format {
                    Format::Json | Format::Ndjson => {
                        let _ = writeln!(out, "{}", rwmi::json::object_to_json(object));
                    }
                    _ => {
                        let _ = writeln!(
                            out,
                            "class {}{}",
                            class.name(),
                            class
                                .superclass()
                                .map(|s| format!(" : {s}"))
                                .unwrap_or_default()
                        );
                        for p in class.properties() {
                            let _ = writeln!(
                                out,
                                "  {:<10} {}{}",
                                p.cim_type.base.name(),
                                p.name,
                                if p.cim_type.array { "[]" } else { "" }
                            );
                        }
                        for m in class.methods() {
                            let _ = writeln!(out, "  method     {}()", m.name);
                        }
                    }
                }
            }
        }
    }

    pub fn finish(&mut self) {
        let mut out = self.out.lock();
        match self.format {
            Format::Json => {
                let _ = writeln!(out, "{}", if self.rows_written == 0 { "[]" } else { "\n]" });
            }
            Format::Table => {
                let mut header = self.columns.clone().unwrap_or_default();
                if self.multi_host {
                    header.insert(0, "host".into());
                }
                if header.is_empty() {
                    return;
                }
                let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
                for row in &self.table {
                    for (w, cell) in widths.iter_mut().zip(row) {
                        *w = (*w).max(cell.chars().count()).min(60);
                    }
                }
                let line = |cells: &[String]| {
                    cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| {
                            let shown: String = if c.chars().count() > *w {
                                c.chars().take(w.saturating_sub(1)).chain(['…']).collect()
                            } else {
                                c.clone()
                            };
                            format!("{shown:<w$}")
                        })
                        .collect::<Vec<_>>()
                        .join("  ")
                        .trim_end()
                        .to_string()
                };
                if !self.no_header {
                    let _ = writeln!(out, "{}", line(&header));
                }
                for row in &self.table {
                    let _ = writeln!(out, "{}", line(row));
                }
            }
            _ => {}
        }
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        assert_eq!(value_text(None), "");
        assert_eq!(value_text(Some(&Value::Boolean(true))), "True");
        assert_eq!(
            value_text(Some(&Value::Array(vec![Value::UInt8(1), Value::UInt8(2)]))),
            "{1, 2}"
        );
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
