package flags

import (
	"fmt"
	"strconv"
	"strings"
)

// portListValue holds a list of TCP ports given on the command line.
type portListValue struct {
	value   *[]int
	changed bool
}

func newPortListValue(val []int, p *[]int) *portListValue {
	plv := new(portListValue)
	plv.value = p
	*plv.value = val
	return plv
}

func (s *portListValue) Set(val string) error {
	ss := strings.Split(val, ",")
	out := make([]int, len(ss))
	for i, d := range ss {
		var err error
		out[i], err = strconv.Atoi(d)
		if err != nil {
			return err
		}
	}
	if !s.changed {
		*s.value = out
	} else {
		*s.value = append(*s.value, out...)
	}
	s.changed = true
	return nil
}

func (s *portListValue) Type() string {
	return "portList"
}

func (s *portListValue) String() string {
	out := make([]string, len(*s.value))
	for i, d := range *s.value {
		out[i] = fmt.Sprintf("%d", d)
	}
	return "[" + strings.Join(out, ",") + "]"
}

func (s *portListValue) fromString(val string) (int, error) {
	return strconv.Atoi(val)
}

func (s *portListValue) toString(val int) string {
	return fmt.Sprintf("%d", val)
}

func (s *portListValue) Append(val string) error {
	i, err := s.fromString(val)
	if err != nil {
		return err
	}
	*s.value = append(*s.value, i)
	return nil
}

func (s *portListValue) Replace(val []string) error {
	out := make([]int, len(val))
	for i, d := range val {
		out[i], err = s.fromString(d)
		if err != nil {
			return err
		}
	}
	*s.value = out
	return nil
}

func (s *portListValue) GetSlice() []string {
	out := make([]string, len(*s.value))
	for i, d := range *s.value {
		out[i] = s.toString(d)
	}
	return out
}

func portListConv(val string) (interface{}, error) {
	val = strings.Trim(val, "[]")
	if len(val) == 0 {
		return []int{}, nil
	}
	ss := strings.Split(val, ",")
	out := make([]int, len(ss))
	for i, d := range ss {
		var err error
		out[i], err = strconv.Atoi(d)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
