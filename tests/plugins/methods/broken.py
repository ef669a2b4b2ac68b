"""A deliberately broken plugin: discovery must list it as unavailable and carry on."""

raise ImportError("this plugin is broken on purpose")
