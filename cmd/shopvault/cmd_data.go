package main

func dataCommands() []commandBuilder {
	return []commandBuilder{{"import", newImportCmd}, {"dedupe", newDedupeCmd}, {"export", newExportCmd},
		{"backup", newBackupCmd}, {"restore", newRestoreCmd}, {"check", newCheckCmd}}
}
