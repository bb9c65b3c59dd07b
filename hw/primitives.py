"""Vendor primitives the core instantiates where synthesis cannot infer them with their registers.

`DspStyle.GENERIC` is portable Verilog (synthesis infers multipliers and memories); with
`DspStyle.ECP5` the per-sample products are MULT18X18D blocks with their input and output
registers in use (Yosys infers only their combinational mode, whose 4 ns leave no room for routing
at 200 MHz) and deep memories are DP16KD block RAMs with their output register (see
`channel_memory`). Both compute the same words with the same timing.
"""

from __future__ import annotations

import enum

from amaranth.hdl import Cat, ClockSignal, Const, Instance, Module, Signal, Value, signed, unsigned

__all__ = ["DspStyle", "ecp5_registered_multiply", "nonrestoring_step"]


class DspStyle(str, enum.Enum):
    """Portable Verilog, or ECP5 primitives (multiplier blocks, block RAM) with their registers."""

    GENERIC = "generic"
    ECP5 = "ecp5"

    def __str__(self) -> str:
        return self.value


def ecp5_registered_multiply(
    m: Module, a: Value, b: Value, en_in: Value, en_out: Value, a_signed: bool = True, name: str = "mult"
) -> Signal:
    """``a * b`` (`b` signed, `a` signed or unsigned, up to 18 bits each) in one MULT18X18D, inputs
    registered when `en_in`, the product registered when `en_out`: the same two pipeline stages as
    registers around `*`."""
    a18 = Signal(signed(18) if a_signed else unsigned(18), name=f"{name}_a")
    b18 = Signal(signed(18), name=f"{name}_b")
    product = Signal(signed(36), name=f"{name}_p")
    m.d.comb += [a18.eq(a), b18.eq(b)]
    ports: dict[str, object] = {
        "p_REG_INPUTA_CLK": "CLK0",
        "p_REG_INPUTA_CE": "CE0",
        "p_REG_INPUTA_RST": "RST0",
        "p_REG_INPUTB_CLK": "CLK0",
        "p_REG_INPUTB_CE": "CE0",
        "p_REG_INPUTB_RST": "RST0",
        "p_REG_OUTPUT_CLK": "CLK0",
        "p_REG_OUTPUT_CE": "CE1",
        "p_REG_OUTPUT_RST": "RST0",
        "p_REG_PIPELINE_CLK": "NONE",
        "p_REG_INPUTC_CLK": "NONE",
        "p_GSR": "DISABLED",
        "p_RESETMODE": "SYNC",
        "i_SIGNEDA": int(a_signed),
        "i_SIGNEDB": 1,
        "i_SOURCEA": 0,
        "i_SOURCEB": 0,
        "i_CLK0": ClockSignal(),
        "i_CE0": en_in,
        "i_CE1": en_out,
        "i_RST0": 0,
    }
    for i in range(18):
        ports[f"i_A{i}"] = a18[i]
        ports[f"i_B{i}"] = b18[i]
        ports[f"i_C{i}"] = 0
    for i in range(36):
        ports[f"o_P{i}"] = product[i]
    m.submodules[name] = Instance("MULT18X18D", **ports)
    return product


#: CCU2C look-up tables (index {D, C, B, A}; D is tied high, so bits 15..8 are the sum's
#: propagate term and bits 3..0, over A and B, the carry generated where it does not propagate).
#: Bit 0: A = s, B = dn[0]: the addend bit is ``~s`` (the +1 of ``-dn``, injected where ``2 rem``
#: has its free zero), so the propagate is ``dn[0]`` and the generate ``~s``.
_NR_INIT_BIT0 = Const(0xCC05, 16)
#: Other bits: A = rem bit, B = dn bit, C = s: propagate ``A ^ B ^ ~C``, generate A.
_NR_INIT = Const(0x690A, 16)


def nonrestoring_step(m: Module, rem: Value, dn: Value, style: DspStyle, name: str) -> Value:
    """One non-restoring division step on a signed remainder: ``2 rem - dn`` if ``rem >= 0``, else
    ``2 rem + dn``, at ``len(rem)`` bits.

    It is one adder, ``(2 rem | ~s) + (dn ^ ~s)`` with ``s`` the remainder's sign: subtracting is
    adding the complement and one, and the one goes where ``2 rem`` has a zero. With
    `DspStyle.ECP5` it is a chain of CCU2C carry cells whose look-up tables take the sign register
    itself, so nothing stands between that register and the carry chain."""
    width = len(rem)
    sign = rem[-1]
    dn = Value.cast(dn)
    if style is not DspStyle.ECP5:
        complement = ~sign
        twice = Cat(complement, rem[: width - 1])
        return (twice + (Cat(dn, Const(0, 1))[:width] ^ complement.replicate(width)))[:width].as_signed()
    y = Signal(width, name=f"{name}_sum")
    carry: Value = Const(0, 1)
    for i in range(0, width, 2):
        cout = Signal(name=f"{name}_c{i + 2}")
        ports: dict[str, object] = {"p_INJECT1_0": "NO", "p_INJECT1_1": "NO", "i_CIN": carry, "o_COUT": cout}
        for half in (0, 1):
            bit = i + half
            inside = bit < width
            ports[f"p_INIT{half}"] = _NR_INIT_BIT0 if bit == 0 else _NR_INIT
            ports[f"i_A{half}"] = (sign if bit == 0 else rem[bit - 1]) if inside else Const(0, 1)
            ports[f"i_B{half}"] = dn[bit] if inside and bit < len(dn) else Const(0, 1)
            ports[f"i_C{half}"] = sign
            ports[f"i_D{half}"] = Const(1, 1)
            ports[f"o_S{half}"] = y[bit] if inside else Signal(name=f"{name}_unused{bit}")
        m.submodules[f"{name}_ccu{i // 2}"] = Instance("CCU2C", **ports)
        carry = cout
    return y.as_signed()
