//! An enumeration over a lazy result (MS-WMI 3.1.4.4): IEnumWbemClassObject and the smart enumerator
//! obtained from it share one cursor, so both advance the same position (MS-WMI 3.1.4.6 / 3.1.4.7:
//! the smart enumerator "returns the same result set").

use std::collections::HashMap;
use std::sync::Arc;

use rwmi_core::Guid;
use rwmi_core::status::wbem::WBEM_E_INVALID_OPERATION;
use rwmi_core::wmio::WmiObject;

use super::backend::ObjectStream;
use super::random::random_guid;

/// Re-runs the operation that produced the result, for Reset (MS-WMI 3.1.4.4.1).
pub type Restart = Arc<dyn Fn() -> Result<ObjectStream, u32> + Send + Sync>;

pub struct Cursor {
    restart: Restart,
    stream: ObjectStream,
    /// Class IDs given to the classes already sent in full by the smart enumerator (MS-WMI 2.2.14.4:
    /// later instances of a class are sent as WBEMOBJECT_INSTANCE_NOCLASS with the same classID). Keyed
    /// by the class part's octets, since a projection makes a class of the same name with fewer
    /// properties.
    smart_classes: HashMap<Vec<u8>, Guid>,
    /// Made with WBEM_FLAG_FORWARD_ONLY: no Reset, no Clone (MS-WMI 3.1.4.4.1, 3.1.4.4.4).
    forward_only: bool,
}

impl std::fmt::Debug for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursor").finish_non_exhaustive()
    }
}

impl Cursor {
    pub fn new(restart: Restart) -> Result<Cursor, u32> {
        let stream = restart()?;
        Ok(Cursor {
            restart,
            stream,
            smart_classes: HashMap::new(),
            forward_only: false,
        })
    }

    /// Marks the cursor as made with WBEM_FLAG_FORWARD_ONLY.
    pub fn forward_only(mut self, forward_only: bool) -> Cursor {
        self.forward_only = forward_only;
        self
    }

    /// Up to `count` next objects; fewer means the end was reached.
    pub fn next_batch(&mut self, count: u32) -> Vec<WmiObject> {
        self.stream.by_ref().take(count as usize).collect()
    }

    /// Skips up to `count` objects and returns how many were skipped.
    pub fn skip(&mut self, count: u32) -> u32 {
        let mut skipped = 0u32;
        while skipped < count && self.stream.next().is_some() {
            skipped += 1;
        }
        skipped
    }

    /// Starts over from the first instance.
    pub fn reset(&mut self) -> Result<(), u32> {
        if self.forward_only {
            return Err(WBEM_E_INVALID_OPERATION);
        }
        self.stream = (self.restart)()?;
        self.smart_classes.clear();
        Ok(())
    }

    /// A cursor of its own at the start of the same result (IEnumWbemClassObject::Clone, MS-WMI
    /// 3.1.4.4.4; position is not copied since the stream is lazy and cannot be forked).
    pub fn restarted_copy(&self) -> Result<Cursor, u32> {
        if self.forward_only {
            return Err(WBEM_E_INVALID_OPERATION);
        }
        Cursor::new(self.restart.clone())
    }

    /// The class ID for the class whose part is `class_part` in smart enumeration packets, and whether
    /// the class was sent before.
    pub fn smart_class_id(&mut self, class_part: &[u8]) -> (Guid, bool) {
        match self.smart_classes.get(class_part) {
            Some(id) => (*id, true),
            None => {
                let id = random_guid();
                self.smart_classes.insert(class_part.to_vec(), id);
                (id, false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Restart {
        Arc::new(|| Ok(Box::new(std::iter::empty()) as ObjectStream))
    }

    #[test]
    fn forward_only_cursors_refuse_reset_and_clone() {
        let mut cursor = Cursor::new(empty()).unwrap();
        assert_eq!(cursor.reset(), Ok(()));
        assert!(cursor.restarted_copy().is_ok());
        let mut cursor = cursor.forward_only(true);
        assert_eq!(cursor.reset(), Err(WBEM_E_INVALID_OPERATION));
        assert_eq!(
            cursor.restarted_copy().err(),
            Some(WBEM_E_INVALID_OPERATION)
        );
    }
}
