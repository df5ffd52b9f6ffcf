package core

import "runtime"

func runtimeGosched() { runtime.Gosched() }
