package ieee4882_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/govisa/govisa/ieee4882"
)

// A client reading the response to a binary query such as "CURV?": parse the
// header, read exactly the announced bytes, decode the elements, and leave
// the terminator for the message reader.
func Example() {
	// What an instrument sends: a definite block of three big-endian int16
	// values followed by the response terminator.
	resp := ieee4882.AppendDefiniteBlock(nil, ieee4882.AppendBinary(nil, []int16{1, -2, 300}, binary.BigEndian))
	resp = append(resp, '\n')

	conn := bytes.NewReader(resp) // stands in for a transport
	br := ieee4882.NewBlockReader(conn, 1<<20)
	raw, err := io.ReadAll(br)
	if err != nil {
		fmt.Println(err)
		return
	}
	vals, err := ieee4882.DecodeBinary[int16](raw, binary.BigEndian)
	fmt.Println(vals, err, conn.Len())

	// The same block held in memory in one piece.
	data, rest, err := ieee4882.DecodeBlock(resp, 1<<20)
	fmt.Println(len(data), len(rest), err)

	// ASCII responses.
	volts, err := ieee4882.ParseASCIIValues("+1.250E+00,-3.5E-01\n")
	fmt.Println(volts, err)
	// Output:
	// [1 -2 300] <nil> 1
	// 6 1 <nil>
	// [1.25 -0.35] <nil>
}

func ExampleParseBlockHeader() {
	for _, in := range []string{"#15hello", "#0data\n", "#A1234567890", "#(1234567890)", "#3"} {
		h, err := ieee4882.ParseBlockHeader([]byte(in))
		fmt.Println(h.Kind, h.HeaderLen, h.DataLen, err)
	}
	// Output:
	// definite 3 5 <nil>
	// indefinite 2 -1 <nil>
	// definite-ext 12 1234567890 <nil>
	// rs 13 1234567890 <nil>
	// BlockKind(0) 0 0 ieee4882: need more data
}
