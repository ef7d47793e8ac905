package visa

import "strings"

// parsePXI parses the PXI forms of NI-VISA:
//
//	PXI[bus]::device[::function][::INSTR]
//	PXI[interface]::bus-device[.function][::INSTR]
//	PXI[interface]::CHASSISn::SLOTm[::FUNCf][::INSTR]
//	PXI[interface]::chassis number::BACKPLANE
//	PXI[interface]::MEMACC
//
// In the first form the number after "PXI" is the PCI bus, not the
// interface, so Board is 0 there.
func (p *rnameParser) parsePXI(r *ResourceName, boardText string, body []string) *Error {
	n := 0
	var err *Error
	if boardText != "" {
		if n, err = p.number(0, boardText, "PXI interface or bus number", 0, 255); err != nil {
			return err
		}
	}
	switch r.Class {
	case ClassMEMACC:
		r.Board = n
		return p.expectParts(r, body, 0, 0, "PXI[interface]::MEMACC")
	case ClassBACKPLANE:
		r.Board = n
		if err = p.expectParts(r, body, 1, 1, "PXI[interface]::chassis number::BACKPLANE"); err != nil {
			return err
		}
		r.PXIChassis, err = p.number(1, body[0], "PXI chassis number", 0, 255)
		return err
	}
	if err = p.expectParts(r, body, 1, 3, "PXI[bus]::device[::function][::INSTR], PXI[interface]::bus-device[.function][::INSTR] or PXI[interface]::CHASSISn::SLOTm[::FUNCf][::INSTR]"); err != nil {
		return err
	}
	r.PXIFunction = 0
	first := body[0]
	switch {
	case rnHasPrefixFold(first, "CHASSIS"):
		r.Board, r.PXIForm = n, PXIChassisSlot
		if len(body) < 2 {
			return p.errPart(1, "PXI CHASSISn needs a following SLOTm part")
		}
		if r.PXIChassis, err = p.number(1, first[len("CHASSIS"):], "PXI chassis number", 0, 255); err != nil {
			return err
		}
		if !rnHasPrefixFold(body[1], "SLOT") {
			return p.errPart(2, "expected SLOTm after CHASSISn")
		}
		if r.PXISlot, err = p.number(2, body[1][len("SLOT"):], "PXI slot number", 0, 255); err != nil {
			return err
		}
		if len(body) == 3 {
			if !rnHasPrefixFold(body[2], "FUNC") {
				return p.errPart(3, "expected FUNCf after SLOTm")
			}
			r.PXIFunction, err = p.number(3, body[2][len("FUNC"):], "PXI function number", 0, 7)
		}
		return err
	case strings.Contains(first, "-"):
		r.Board, r.PXIForm = n, PXIBusDeviceDot
		if len(body) > 1 {
			return p.errPart(2, "unexpected part after PXI bus-device[.function]")
		}
		bus, dev, _ := strings.Cut(first, "-")
		dev, fn, hasFn := strings.Cut(dev, ".")
		if r.PXIBus, err = p.number(1, bus, "PXI bus number", 0, 255); err != nil {
			return err
		}
		if r.PXIDevice, err = p.number(1, dev, "PXI device number", 0, 31); err != nil {
			return err
		}
		if hasFn {
			r.PXIFunction, err = p.number(1, fn, "PXI function number", 0, 7)
		}
		return err
	default:
		r.Board, r.PXIBus, r.PXIForm = 0, n, PXIBusDevice
		if len(body) > 2 {
			return p.errPart(3, "unexpected part after PXI device::function")
		}
		if r.PXIDevice, err = p.number(1, first, "PXI device number", 0, 31); err != nil {
			return err
		}
		if len(body) == 2 {
			r.PXIFunction, err = p.number(2, body[1], "PXI function number", 0, 7)
		}
		return err
	}
}
