"""Random draws of projects to inspect (随机抽查), stratified and reproducible."""
