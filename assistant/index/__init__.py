"""The knowledge folder → searchable passages: loaders, chunking, the on-disk index, the watcher."""
