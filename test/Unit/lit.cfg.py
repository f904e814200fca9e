# -*- Python -*-
# Runs every AoiZora GoogleTest binary (named *Tests) as part of check-aoizora.
import lit.formats

config.name = "AoiZora-Unit"
config.suffixes = []
config.test_exec_root = config.aoizora_unittests_dir
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
