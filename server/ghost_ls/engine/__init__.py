"""Engine: the inference backend, prompt formats, the worker thread and the completion cache."""
