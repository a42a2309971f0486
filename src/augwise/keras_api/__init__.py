"""The drop-in ``ImageDataGenerator`` facade."""
