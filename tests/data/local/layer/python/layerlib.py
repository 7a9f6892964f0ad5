WHERE = "layer"
