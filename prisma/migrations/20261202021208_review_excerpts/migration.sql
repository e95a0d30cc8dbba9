-- AlterTable
ALTER TABLE "review_items" ADD COLUMN     "excerpts" TEXT[] DEFAULT ARRAY[]::TEXT[];

