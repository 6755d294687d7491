package stripe

// ParseEventInSteps reads an event the slower way, envelope then object,
// to hold the one-pass reading to the same answers.
var ParseEventInSteps = parseEventInSteps
