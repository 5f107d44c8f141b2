// keda-formula evaluates a ScaledObject's advanced.scalingModifiers.formula the way KEDA does:
// compiled once by expr-lang/expr with the trigger names as float64 variables and a float64
// result, then run per case. The chart suite feeds it the rendered formula and the cases
// (paused, not paused, empty queue, scale to zero) as JSON on stdin and reads JSON back, so the
// formula is proven by the same library that will evaluate it in the cluster.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/expr-lang/expr"
)

type input struct {
	Formula string               `json:"formula"`
	Cases   []map[string]float64 `json:"cases"`
}

type output struct {
	Results []float64 `json:"results"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("reading the input: %v", err)
	}
	if len(in.Cases) == 0 {
		fail("no cases given")
	}
	// KEDA compiles with every trigger name bound to a float64 (the metric values) and requires
	// a float64 result; an unknown name or a non-numeric result fails here as it would there.
	env := map[string]float64{}
	for name := range in.Cases[0] {
		env[name] = 0
	}
	program, err := expr.Compile(in.Formula, expr.Env(env), expr.AsFloat64())
	if err != nil {
		fail("compiling the formula: %v", err)
	}
	out := output{Results: make([]float64, 0, len(in.Cases))}
	for i, vars := range in.Cases {
		value, err := expr.Run(program, vars)
		if err != nil {
			fail("case %d: %v", i, err)
		}
		out.Results = append(out.Results, value.(float64))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("writing the result: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
