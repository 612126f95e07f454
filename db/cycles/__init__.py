"""The CoP cycle's data: cycles, sessions, challenges, try-outs and closing, each scoped to the viewer."""
