//! The parsed form of a MOF file. Names keep the case they were written in; CIM names compare without
//! regard to case, which the helpers here respect.

use super::error::Position;

#[derive(Debug, Clone, PartialEq)]
pub struct MofFile {
    pub items: Vec<MofItem>,
    /// Things the parser skipped and the reader may want to know about (ignored `#pragma`s).
    pub notes: Vec<MofNote>,
}

impl MofFile {
    /// The class declarations, each with the item (namespace, flags) it came in.
    pub fn classes(&self) -> impl Iterator<Item = (&MofItem, &ClassDecl)> {
        self.items
            .iter()
            .filter_map(|item| match &item.declaration {
                Declaration::Class(class) => Some((item, class)),
                _ => None,
            })
    }

    /// The top-level instance declarations, each with its item.
    pub fn instances(&self) -> impl Iterator<Item = (&MofItem, &InstanceDecl)> {
        self.items
            .iter()
            .filter_map(|item| match &item.declaration {
                Declaration::Instance(instance) => Some((item, instance)),
                _ => None,
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MofNote {
    pub position: Position,
    pub message: String,
}

/// One declaration, with the namespace that was current for it.
#[derive(Debug, Clone, PartialEq)]
pub struct MofItem {
    /// Resolved namespace, without server: `root\cimv2`.
    pub namespace: String,
    /// The flags of the `#pragma classflags` (for classes) or `#pragma instanceflags` (for instances)
    /// in force, as written (`"forceupdate"`, `"updateonly"`, ...).
    pub pragma_flags: Vec<String>,
    pub declaration: Declaration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Declaration {
    Class(ClassDecl),
    Instance(InstanceDecl),
    Qualifier(QualifierDecl),
}

/// A CIM data type. Arrays are described separately by [`ArraySize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CimType {
    Sint8,
    Uint8,
    Sint16,
    Uint16,
    Sint32,
    Uint32,
    Sint64,
    Uint64,
    Real32,
    Real64,
    Boolean,
    String,
    Datetime,
    Char16,
    /// `object`: an embedded object of any class.
    Object,
    /// `ClassName ref`, or `object ref` (`None`).
    Reference(Option<String>),
}

impl CimType {
    /// The type for a MOF type keyword (case-insensitive); `ref` types are not keywords.
    pub fn from_keyword(word: &str) -> Option<CimType> {
        const KEYWORDS: [(&str, CimType); 15] = [
            ("sint8", CimType::Sint8),
            ("uint8", CimType::Uint8),
            ("sint16", CimType::Sint16),
            ("uint16", CimType::Uint16),
            ("sint32", CimType::Sint32),
            ("uint32", CimType::Uint32),
            ("sint64", CimType::Sint64),
            ("uint64", CimType::Uint64),
            ("real32", CimType::Real32),
            ("real64", CimType::Real64),
            ("boolean", CimType::Boolean),
            ("string", CimType::String),
            ("datetime", CimType::Datetime),
            ("char16", CimType::Char16),
            ("object", CimType::Object),
        ];
        KEYWORDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, ty)| ty.clone())
    }
}

/// Whether a property or parameter is an array, and of what size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArraySize {
    Scalar,
    /// `name[]`
    Variable,
    /// `name[4]`
    Fixed(u32),
}

/// Qualifier flavors (DSP0004 "flavor") plus WMI's `Amended`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    EnableOverride,
    DisableOverride,
    ToSubclass,
    NotToSubclass,
    ToInstance,
    NotToInstance,
    Restricted,
    Translatable,
    Amended,
}

impl Flavor {
    pub fn from_keyword(word: &str) -> Option<Flavor> {
        const KEYWORDS: [(&str, Flavor); 9] = [
            ("EnableOverride", Flavor::EnableOverride),
            ("DisableOverride", Flavor::DisableOverride),
            ("ToSubclass", Flavor::ToSubclass),
            ("NotToSubclass", Flavor::NotToSubclass),
            ("ToInstance", Flavor::ToInstance),
            ("NotToInstance", Flavor::NotToInstance),
            ("Restricted", Flavor::Restricted),
            ("Translatable", Flavor::Translatable),
            ("Amended", Flavor::Amended),
        ];
        KEYWORDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, f)| *f)
    }
}

/// `Name`, `Name(value)` or `Name{values}`, with optional `: flavors`.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualifier {
    pub name: String,
    /// `None` when written without a value (`[Key]`, meaning true for a boolean qualifier).
    pub value: Option<MofValue>,
    pub flavors: Vec<Flavor>,
}

/// Finds a qualifier by name, ignoring case.
fn find_qualifier<'a>(qualifiers: &'a [Qualifier], name: &str) -> Option<&'a Qualifier> {
    qualifiers
        .iter()
        .find(|q| q.name.eq_ignore_ascii_case(name))
}

/// Whether a boolean qualifier is set: present with no value or with `true`.
fn qualifier_is_set(qualifiers: &[Qualifier], name: &str) -> bool {
    find_qualifier(qualifiers, name)
        .is_some_and(|q| matches!(q.value, None | Some(MofValue::Bool(true))))
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassDecl {
    pub position: Position,
    pub qualifiers: Vec<Qualifier>,
    pub name: String,
    pub superclass: Option<String>,
    /// Properties and references, in declaration order.
    pub properties: Vec<PropertyDecl>,
    pub methods: Vec<MethodDecl>,
}

impl ClassDecl {
    pub fn qualifier(&self, name: &str) -> Option<&Qualifier> {
        find_qualifier(&self.qualifiers, name)
    }

    pub fn property(&self, name: &str) -> Option<&PropertyDecl> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn method(&self, name: &str) -> Option<&MethodDecl> {
        self.methods
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyDecl {
    pub position: Position,
    pub qualifiers: Vec<Qualifier>,
    pub cim_type: CimType,
    pub name: String,
    pub array: ArraySize,
    pub default: Option<MofValue>,
}

impl PropertyDecl {
    pub fn qualifier(&self, name: &str) -> Option<&Qualifier> {
        find_qualifier(&self.qualifiers, name)
    }

    /// `[Key]`
    pub fn is_key(&self) -> bool {
        qualifier_is_set(&self.qualifiers, "Key")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MethodDecl {
    pub position: Position,
    pub qualifiers: Vec<Qualifier>,
    /// `None` for `void`.
    pub return_type: Option<CimType>,
    pub name: String,
    pub parameters: Vec<ParameterDecl>,
}

impl MethodDecl {
    pub fn qualifier(&self, name: &str) -> Option<&Qualifier> {
        find_qualifier(&self.qualifiers, name)
    }

    pub fn parameter(&self, name: &str) -> Option<&ParameterDecl> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDecl {
    pub position: Position,
    pub qualifiers: Vec<Qualifier>,
    pub cim_type: CimType,
    pub name: String,
    pub array: ArraySize,
    pub default: Option<MofValue>,
}

impl ParameterDecl {
    pub fn qualifier(&self, name: &str) -> Option<&Qualifier> {
        find_qualifier(&self.qualifiers, name)
    }

    /// `[in]`
    pub fn is_in(&self) -> bool {
        qualifier_is_set(&self.qualifiers, "In")
    }

    /// `[out]`
    pub fn is_out(&self) -> bool {
        qualifier_is_set(&self.qualifiers, "Out")
    }
}

/// `instance of Class [as $alias] { Prop = value; ... }`, top-level or embedded in a value.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceDecl {
    pub position: Position,
    pub qualifiers: Vec<Qualifier>,
    pub class: String,
    /// The alias name without `$`.
    pub alias: Option<String>,
    pub properties: Vec<PropertyValue>,
}

impl InstanceDecl {
    pub fn value(&self, name: &str) -> Option<&MofValue> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| &p.value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyValue {
    pub position: Position,
    pub qualifiers: Vec<Qualifier>,
    pub name: String,
    pub value: MofValue,
}

/// `qualifier Name : type [= default], scope(...) [, flavor(...)];`
#[derive(Debug, Clone, PartialEq)]
pub struct QualifierDecl {
    pub position: Position,
    pub name: String,
    pub cim_type: CimType,
    pub array: ArraySize,
    pub default: Option<MofValue>,
    /// Scope words as written (`class`, `property`, `any`, ...).
    pub scopes: Vec<String>,
    pub flavors: Vec<Flavor>,
}

/// A literal value tree; which CIM type it becomes is decided against the declaration it fills.
#[derive(Debug, Clone, PartialEq)]
pub enum MofValue {
    Null,
    Bool(bool),
    /// Any integer literal, in `i64::MIN ..= u64::MAX`.
    Integer(i128),
    Real(f64),
    /// Adjacent string literals already joined, escapes resolved.
    String(String),
    Char16(char),
    /// `$name`, a reference to an aliased instance (name without `$`).
    Alias(String),
    /// `{ ... }`
    Array(Vec<MofValue>),
    /// `instance of X { ... }` used as a value.
    Instance(Box<InstanceDecl>),
}
