//! The endpoint mapper's ept_map call and the protocol towers it trades (C706 appendix I and L,
//! MS-RPCE 2.2.1.2.5): how a client learns the dynamic port an interface listens on.

use crate::codec::{DecodeResult, Reader, Writer};
use crate::guid::Guid;
use crate::ndr::array::{read_byte_elements, read_conformance, wire_count, write_conformance};
use crate::ndr::{
    ConformantVaryingArray, ContextHandle, Full, Ndr, NdrReader, NdrWriter, decode_top, encode_top,
};
use crate::rpc::stub::{Stub, call};
use crate::rpc::{NDR20, SyntaxId};

/// The endpoint mapper interface, e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, on TCP port 135.
pub const EPM: SyntaxId = SyntaxId::new(
    Guid::from_u128(0xe1af8308_5d1f_11c9_91a4_08002b14a0fa),
    3,
    0,
);

/// C706 appendix I: floor protocol identifiers.
const PROTOCOL_UUID: u8 = 0x0d;
const PROTOCOL_NCACN: u8 = 0x0b;
const PROTOCOL_TCP: u8 = 0x07;
const PROTOCOL_IP: u8 = 0x09;
/// Floors have a two-byte count, so a tower of more than this many is refused as hostile.
const MAX_FLOORS: u16 = 16;

/// An ncacn_ip_tcp tower: interface, transfer syntax, RPC connection-oriented, TCP port, IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpTower {
    pub interface: SyntaxId,
    pub transfer_syntax: SyntaxId,
    pub port: u16,
    pub address: [u8; 4],
}

impl TcpTower {
    pub fn new(interface: SyntaxId, port: u16, address: [u8; 4]) -> Self {
        TcpTower {
            interface,
            transfer_syntax: NDR20,
            port,
            address,
        }
    }

    /// C706 appendix L: the floor count, then each floor as (lhs length, lhs, rhs length, rhs). Floor
    /// contents are little-endian except the port and address, which are big-endian (network order).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u16(5);
        for syntax in [self.interface, self.transfer_syntax] {
            w.u16(19);
            w.u8(PROTOCOL_UUID);
            w.bytes(&syntax.uuid.to_bytes_le());
            w.u16(syntax.major());
            w.u16(2);
            w.u16(syntax.minor());
        }
        for (protocol, rhs) in [
            (PROTOCOL_NCACN, &[0u8, 0][..]),
            (PROTOCOL_TCP, &self.port.to_be_bytes()[..]),
            (PROTOCOL_IP, &self.address[..]),
        ] {
            w.u16(1);
            w.u8(protocol);
            w.u16(rhs.len() as u16);
            w.bytes(rhs);
        }
        w.into_vec()
    }

    pub fn decode(bytes: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("tower", bytes);
        let count = r.u16("floor_count")?;
        if count > MAX_FLOORS {
            return Err(r.error(
                "floor_count",
                crate::DecodeErrorKind::Limit {
                    limit: "tower floors",
                    value: count.into(),
                    max: MAX_FLOORS.into(),
                },
            ));
        }
        let mut tower = TcpTower::default();
        let mut seen_uuid = 0;
        let (mut tcp, mut ncacn) = (false, false);
        for _ in 0..count {
            let lhs_len = r.u16("lhs_length")?;
            let mut lhs = r.sub("lhs", lhs_len.into())?;
            let rhs_len = r.u16("rhs_length")?;
            let mut rhs = r.sub("rhs", rhs_len.into())?;
            match lhs.u8("protocol")? {
                PROTOCOL_UUID => {
                    let uuid = Guid::decode(&mut lhs, "floor uuid")?;
                    let major = lhs.u16("floor major version")?;
                    let minor = rhs.u16("floor minor version")?;
                    let syntax = SyntaxId::new(uuid, major, minor);
                    match seen_uuid {
                        0 => tower.interface = syntax,
                        1 => tower.transfer_syntax = syntax,
                        _ => return Err(lhs.invalid("protocol", "more than two UUID floors")),
                    }
                    seen_uuid += 1;
                }
                PROTOCOL_NCACN => ncacn = true,
                PROTOCOL_TCP => {
                    tower.port = u16::from_be_bytes(rhs.array::<2>("port")?);
                    tcp = true;
                }
                PROTOCOL_IP => tower.address = rhs.array::<4>("ipv4 address")?,
                _ => {}
            }
        }
        if seen_uuid != 2 || !tcp || !ncacn {
            return Err(r.invalid("floors", "not an ncacn_ip_tcp tower"));
        }
        Ok(tower)
    }
}

/// twr_t: `{ unsigned32 tower_length; [size_is(tower_length)] byte tower_octet_string[]; }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Twr(pub Vec<u8>);

impl Ndr for Twr {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 8;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, wire_count(self.0.len()));
        w.align(4);
        w.u32(wire_count(self.0.len()));
        w.bytes(&self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "tower_octet_string")?;
        let len = r.u32("tower_length")?;
        r.expect_count("tower_length", u64::from(max_count), u64::from(len))?;
        Ok(Twr(
            read_byte_elements(r, "tower_octet_string", len)?.to_vec()
        ))
    }
}

/// ept_map request (C706 appendix O): object, map_tower, entry_handle, max_towers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EptMapRequest {
    pub object: Option<Guid>,
    pub tower: TcpTower,
    pub entry_handle: ContextHandle,
    pub max_towers: u32,
}

impl Stub for EptMapRequest {
    const CONTEXT: &'static str = "ept_map request";

    fn encode(&self, w: &mut NdrWriter) {
        let object = self.object.map_or_else(Full::null, Full::new);
        encode_top(w, &object);
        encode_top(w, &Full::new(Twr(self.tower.encode())));
        encode_top(w, &self.entry_handle);
        w.u32(self.max_towers);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let object: Full<Guid> = decode_top(r)?;
        let tower: Full<Twr> = decode_top(r)?;
        let entry_handle = decode_top(r)?;
        let max_towers = r.u32("max_towers")?;
        let tower = match tower.get() {
            Some(t) => TcpTower::decode(&t.0)?,
            None => return Err(r.invalid("map_tower", "a null tower")),
        };
        Ok(EptMapRequest {
            object: object.get().copied(),
            tower,
            entry_handle,
            max_towers,
        })
    }
}

/// ept_map response: entry_handle, num_towers, towers (a conformant varying array of full pointers), status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EptMapResponse {
    pub entry_handle: ContextHandle,
    pub towers: Vec<TcpTower>,
    pub max_towers: u32,
    pub status: u32,
}

impl Stub for EptMapResponse {
    const CONTEXT: &'static str = "ept_map response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.entry_handle);
        w.u32(wire_count(self.towers.len()));
        let items: Vec<Full<Twr>> = self
            .towers
            .iter()
            .map(|t| Full::new(Twr(t.encode())))
            .collect();
        let array = ConformantVaryingArray {
            max_count: self.max_towers.max(wire_count(items.len())),
            offset: 0,
            items,
        };
        encode_top(w, &array);
        w.u32(self.status);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let entry_handle = decode_top(r)?;
        let num_towers = r.u32("num_towers")?;
        let array: ConformantVaryingArray<Full<Twr>> = decode_top(r)?;
        r.expect_count(
            "num_towers",
            u64::from(num_towers),
            array.items.len() as u64,
        )?;
        let status = r.u32("status")?;
        let mut towers = Vec::with_capacity(array.items.len());
        for twr in array.items.iter().filter_map(Full::get) {
            towers.push(TcpTower::decode(&twr.0)?);
        }
        Ok(EptMapResponse {
            entry_handle,
            towers,
            max_towers: array.max_count,
            status,
        })
    }
}

call!(EptMapRequest => EptMapResponse, EPM, 3);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::stub::Call;

    const SAMR: SyntaxId = SyntaxId::new(
        Guid::from_u128(0x12345778_1234_abcd_ef00_0123456789ac),
        1,
        0,
    );

    #[test]
    fn tower_layout_follows_c706_appendix_l() {
        let tower = TcpTower::new(SAMR, 49664, [127, 0, 200, 1]);
        let bytes = tower.encode();
        assert_eq!(bytes.len(), 75);
        assert_eq!(&bytes[..5], &[5, 0, 19, 0, 0x0d]);
        // TCP floor: port 49664 big-endian; IP floor: 127.0.200.1 in network order.
        assert_eq!(
            &bytes[bytes.len() - 16..],
            &[
                1, 0, 0x07, 2, 0, 0xc2, 0x00, 1, 0, 0x09, 4, 0, 127, 0, 200, 1
            ][..]
        );
        assert_eq!(TcpTower::decode(&bytes).unwrap(), tower);
        for n in 0..bytes.len() {
            assert!(TcpTower::decode(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn ept_map_round_trips() {
        let request = EptMapRequest {
            object: None,
            tower: TcpTower::new(SAMR, 0, [0; 4]),
            entry_handle: ContextHandle::default(),
            max_towers: 4,
        };
        assert_eq!(
            EptMapRequest::from_stub(&request.to_stub()).unwrap(),
            request
        );
        let response = EptMapResponse {
            entry_handle: ContextHandle::default(),
            towers: vec![
                TcpTower::new(SAMR, 49664, [127, 0, 0, 1]),
                TcpTower::new(SAMR, 49665, [10, 0, 0, 1]),
            ],
            max_towers: 4,
            status: 0,
        };
        let bytes = response.to_stub();
        assert_eq!(EptMapResponse::from_stub(&bytes).unwrap(), response);
        for n in 0..bytes.len() {
            assert!(EptMapResponse::from_stub(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn hostile_towers_are_refused() {
        assert!(TcpTower::decode(&[0xff, 0xff]).is_err());
        let mut bytes = TcpTower::new(SAMR, 1, [1, 2, 3, 4]).encode();
        bytes[2] = 0xff; // lhs length past the end
        assert!(TcpTower::decode(&bytes).is_err());
    }
    #[test]
    fn ept_map_is_opnum_3_of_the_endpoint_mapper() {
        // C706 appendix O: ept_insert, ept_delete, ept_lookup, ept_map.
        assert_eq!(<EptMapRequest as Call>::INTERFACE, EPM);
        assert_eq!(<EptMapRequest as Call>::OPNUM, 3);
    }
}
